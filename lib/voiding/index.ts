export {
  BulkVoidFailure,
  type BulkVoidOutcome,
  BulkVoidStatus,
  bulkActor,
  parseVoidRequest,
  processVoidRequest,
} from './bulk'
export { voidDeps } from './deps'
export { VoidConflictError, VoidNotFoundError } from './errors'
export type { OfferStateRef, RemoteOffer, RemoteStatus, VoidCallResult, VoidGateway } from './gateway'
export {
  handleStaffVoid,
  idempotencyKeyOf,
  parseStaffVoidRequest,
  requireStaffIdentity,
  type StaffVoidDeps,
  type StaffVoidRequest,
  StaffVoidRoute,
  staffSubject,
  staffVoidMetrics,
  voidProblem,
} from './http'
export {
  type FieldIssue,
  type VoidRequestMessage,
  voidRequestMessageSchema,
  voidTargetSchema,
} from './requests'
export { sparkflyVoidGateway } from './sparkflyGateway'
export {
  type OfferView,
  type VoidActor,
  VoidConflict,
  VoidLimits,
  type VoidOutcome,
  type VoidTarget,
} from './types'
export { offerView } from './view'
export { describeTarget, type VoidDeps, voidOffer } from './voidOffer'
