// The Sparkfly API client: resources (one line per operation) -> the operation table (`operations.ts`, turned
// into calls by `resource.ts`) -> request (retries, errors, parsing, logging) -> transport.

export type { AuthProvider, SparkflyAuth, SparkflySecret, SparkflyTokenProvider } from './auth'
export {
  createAuthTokenMinter,
  createSparkflyClient,
  createSparkflyClientWithTokenProvider,
  SPARKFLY_DEFAULTS,
  SparkflyClient,
  type SparkflyClientCommonOptions,
  type SparkflyClientConfig,
  type SparkflyTokenProviderConfig,
} from './client'
export {
  appliedOf,
  createSparkflyError,
  parseErrorBody,
  SPARKFLY_APPLIED,
  SPARKFLY_CONFLICTS,
  SPARKFLY_REJECTIONS,
  type SparkflyApplied,
  SparkflyAuthenticationError,
  type SparkflyConflict,
  SparkflyConflictError,
  SparkflyConnectionError,
  SparkflyContractError,
  SparkflyError,
  type SparkflyErrorDetails,
  type SparkflyErrorResponse,
  SparkflyInvalidArgumentError,
  SparkflyNotFoundError,
  SparkflyRateLimitError,
  type SparkflyRejection,
  SparkflyServerError,
  SparkflyTimeoutError,
  SparkflyValidationError,
} from './errors'
export {
  MAX_ROW_CHARS,
  parseJsonArrayStream,
  SparkflyReportFormatError,
  SparkflyReportTruncatedError,
} from './jsonArrayStream'
export { getDefaultSparkflyLogger, type SparkflyLogger } from './logger'
export {
  type HttpMethod,
  type OperationArgs,
  type OperationResult,
  type OperationSpec,
  type ReplayClass,
  SPARKFLY_OPERATIONS,
  type SparkflyOperation,
  type Unwrap,
} from './operations'
export type { RequestOptions } from './request'
export { callOperation, type OperationCaller, operationCaller } from './resource'
export {
  type CreateCredentialParams,
  type Credential,
  type CredentialEligibility,
  type CredentialInput,
  type CredentialList,
  type CredentialStatus,
  CredentialsResource,
  type ListCredentialsParams,
} from './resources/credentials'
export {
  type CreateOfferStateFromQueryParams,
  type IssuedOfferState,
  type IssueForMemberParams,
  type IssueOfferStateParams,
  type OfferState,
  type OfferStateInput,
  type OfferStateList,
  type OfferStateStatus,
  OfferStatesResource,
  type OfferStateUpdate,
  type QueryOfferStateParams,
} from './resources/offerStates'
export {
  type MemberActivities,
  type OfferActivityQuery,
  type OfferActivityRow,
  OfferActivityType,
  REPORT_MAX_WINDOW_MS,
  ReportsResource,
} from './resources/reports'
export { FAILURE_APPLIED, FAILURE_KINDS, type FailureKind, isRetryable, parseRetryAfter } from './retry'
export type { SparkflyPage } from './schemas'
export {
  defaultTransport,
  fetchTransport,
  nodeHttpTransport,
  SparkflyAnswerInterruptedError,
  type SparkflyTransport,
  type SparkflyTransportRequest,
} from './transport'
export type { DateInput, SparkflyId } from './validation'
