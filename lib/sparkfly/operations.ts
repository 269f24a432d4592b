import type * as z from '../validation/zod'
import { credentialSchemas as credentials } from './resources/credentialSchemas'
import { offerStateSchemas as offerStates } from './resources/offerStateSchemas'
import { REPORT_OPERATIONS } from './resources/reportOperations'

/** HTTP methods the Sparkfly API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/**
 * Whether a request may be sent again after a failure that leaves its outcome unknown (`applied: 'maybe'`).
 *
 * - `idempotent`: repeating the request cannot change the outcome (reads, PUT of a full update, DELETE,
 *   minting an auth token). The request layer retries it on 429, 5xx, connection errors and timeouts.
 * - `unsafe`: creates or changes state each time it runs (issue, create, redeem, void). It is replayed only
 *   when Sparkfly provably did not act on it (`applied: 'no'`): a 429 or a connection that could not be
 *   opened. Never after a timeout, a 5xx (503 included) or a connection reset / socket error
 *   (`ECONNRESET`, `UND_ERR_SOCKET`): the request may have reached Sparkfly, so the caller, which owns
 *   de-duplication (e.g. by `external_ref_id`), decides.
 */
export type ReplayClass = 'idempotent' | 'unsafe'

/**
 * How a 2xx answer becomes the method's result:
 * - `offer_state` / `credential`: the body is `{"<key>": {...}}`; the result is the inner object.
 * - `page`: the body is a list page (paging fields plus the items); the result is the body.
 * - `body`: the body itself.
 * - `empty`: the body is ignored (void endpoints answer 200 with nothing); the result is `undefined`.
 * - `authToken`: the `X-Auth-Token` header of `/auth`'s 204.
 * - `stream`: the body is a JSON array streamed as it is produced; the result is an async iterable of the rows, each
 *   parsed with the response schema as it arrives (bounded memory; a cut stream throws
 *   `SparkflyReportTruncatedError`).
 */
export type Unwrap = 'offer_state' | 'credential' | 'page' | 'body' | 'empty' | 'authToken' | 'stream'

/** A schema built on first use. */
type SchemaThunk = () => z.core.$ZodType

/**
 * The declaration of one operation. `params` (path template values), `query` and `body` are zod schemas of
 * the caller's arguments that validate them and produce the wire form; `response` parses the unwrapped
 * answer. The method's TypeScript argument and result types are inferred from them.
 */
export interface OperationSpec {
  method: HttpMethod
  /** Path template relative to the base URL (which includes `/v1.0`); `{name}` comes from `params`. */
  path: string
  replay: ReplayClass
  params?: SchemaThunk
  query?: SchemaThunk
  body?: SchemaThunk
  response?: SchemaThunk
  unwrap: Unwrap
}

/**
 * Every Sparkfly operation the client performs, declared once: method, path template, argument schemas
 * (path, query, body), answer schema, replay class and how the answer unwraps. The operation name is used in
 * logs, errors and by the sandbox's counters. `resource.ts` turns a declaration into a resource method.
 */
export const SPARKFLY_OPERATIONS = {
  // Token minting (method GET or POST per configuration; absolute URL, see `client.ts`).
  auth: { method: 'POST', path: '/auth', replay: 'idempotent', unwrap: 'authToken' },

  'credentials.create': {
    method: 'POST',
    path: '/credentials',
    replay: 'unsafe',
    body: () => credentials().createBody,
    response: () => credentials().credential,
    unwrap: 'credential',
  },
  'credentials.get': {
    method: 'GET',
    path: '/credentials/{id}',
    replay: 'idempotent',
    params: () => credentials().id,
    response: () => credentials().credential,
    unwrap: 'credential',
  },
  'credentials.list': {
    method: 'GET',
    path: '/credentials',
    replay: 'idempotent',
    query: () => credentials().listQuery,
    response: () => credentials().list,
    unwrap: 'page',
  },
  'credentials.update': {
    method: 'PUT',
    path: '/credentials/{id}',
    replay: 'idempotent',
    params: () => credentials().id,
    body: () => credentials().updateBody,
    response: () => credentials().credential,
    unwrap: 'credential',
  },
  'credentials.delete': {
    method: 'DELETE',
    path: '/credentials/{id}',
    replay: 'idempotent',
    params: () => credentials().id,
    response: () => credentials().credential,
    unwrap: 'credential',
  },
  'credentials.redeem': {
    method: 'PUT',
    path: '/credentials/{id}/redeem',
    replay: 'unsafe',
    params: () => credentials().id,
    response: () => credentials().credential,
    unwrap: 'credential',
  },
  'credentials.void': {
    method: 'PUT',
    path: '/credentials/{id}/void',
    replay: 'unsafe',
    params: () => credentials().id,
    response: () => credentials().credential,
    unwrap: 'credential',
  },
  'credentials.eligibility': {
    method: 'GET',
    path: '/credentials/eligible',
    replay: 'idempotent',
    query: () => credentials().eligibilityQuery,
    response: () => credentials().eligibility,
    unwrap: 'body',
  },

  'offerStates.issue': {
    method: 'POST',
    path: '/members/offer_states/issue',
    replay: 'unsafe',
    body: () => offerStates().issueBody,
    response: () => offerStates().issued,
    unwrap: 'offer_state',
  },
  'offerStates.createFromQuery': {
    method: 'POST',
    path: '/members/offer_states',
    replay: 'unsafe',
    query: () => offerStates().createFromQueryQuery,
    body: () => offerStates().inputBody,
    response: () => offerStates().offerState,
    unwrap: 'offer_state',
  },
  'offerStates.issueForMember': {
    method: 'POST',
    path: '/members/{member_id}/offer_states',
    replay: 'unsafe',
    params: () => offerStates().member,
    query: () => offerStates().issueForMemberQuery,
    body: () => offerStates().inputBody,
    response: () => offerStates().offerState,
    unwrap: 'offer_state',
  },
  'offerStates.get': {
    method: 'GET',
    path: '/members/{member_id}/offer_states/{id}',
    replay: 'idempotent',
    params: () => offerStates().memberAndId,
    response: () => offerStates().offerState,
    unwrap: 'offer_state',
  },
  'offerStates.list': {
    method: 'GET',
    path: '/members/{member_id}/offer_states',
    replay: 'idempotent',
    params: () => offerStates().member,
    query: () => offerStates().listQuery,
    response: () => offerStates().list,
    unwrap: 'page',
  },
  'offerStates.getByOffer': {
    method: 'GET',
    path: '/members/{member_id}/offers/{offer_id}',
    replay: 'idempotent',
    params: () => offerStates().memberAndOffer,
    response: () => offerStates().offerState,
    unwrap: 'offer_state',
  },
  'offerStates.query': {
    method: 'GET',
    path: '/members/offer_states',
    replay: 'idempotent',
    query: () => offerStates().lookupQuery,
    response: () => offerStates().matches,
    unwrap: 'body',
  },
  'offerStates.update': {
    method: 'PUT',
    path: '/members/{member_id}/offer_states/{id}',
    replay: 'idempotent',
    params: () => offerStates().memberAndId,
    body: () => offerStates().updateBody,
    response: () => offerStates().offerState,
    unwrap: 'offer_state',
  },
  'offerStates.redeem': {
    method: 'POST',
    path: '/members/{member_id}/offer_states/{id}',
    replay: 'unsafe',
    params: () => offerStates().memberAndId,
    body: () => offerStates().redeemBody,
    response: () => offerStates().offerState,
    unwrap: 'offer_state',
  },
  'offerStates.void': {
    method: 'POST',
    path: '/members/{member_id}/offer_states/{id}/void',
    replay: 'unsafe',
    params: () => offerStates().memberAndId,
    unwrap: 'empty',
  },
  'offerStates.voidByMemberIdentifier': {
    method: 'POST',
    path: '/members/offer_states/{id}/void',
    replay: 'unsafe',
    params: () => offerStates().id,
    query: () => offerStates().voidQuery,
    unwrap: 'empty',
  },

  ...REPORT_OPERATIONS,
} as const satisfies Record<string, OperationSpec>

/** Name of a Sparkfly operation, e.g. `offerStates.issue`. */
export type SparkflyOperation = keyof typeof SPARKFLY_OPERATIONS

type Declared<N extends SparkflyOperation> = (typeof SPARKFLY_OPERATIONS)[N]

/** `{ <key>: input of the declared schema }`, or no such key when the operation declares none. */
type ArgumentSection<D, K extends 'params' | 'query' | 'body'> =
  D extends Record<K, () => infer S extends z.core.$ZodType> ? { [P in K]: z.input<S> } : { [P in K]?: never }

/** The arguments of operation `N`, inferred from its declared schemas. */
export type OperationArgs<N extends SparkflyOperation> = ArgumentSection<Declared<N>, 'params'> &
  ArgumentSection<Declared<N>, 'query'> &
  ArgumentSection<Declared<N>, 'body'>

/** The result of operation `N`, inferred from its declared response schema and unwrap. */
export type OperationResult<N extends SparkflyOperation> =
  Declared<N> extends { response: () => infer S extends z.core.$ZodType; unwrap: 'stream' }
    ? AsyncIterable<z.output<S>>
    : Declared<N> extends { response: () => infer S extends z.core.$ZodType }
      ? z.output<S>
      : Declared<N>['unwrap'] extends 'authToken'
        ? string
        : undefined
