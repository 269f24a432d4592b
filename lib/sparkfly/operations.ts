/**
 * Every Sparkfly operation the client performs: HTTP method, path template (relative to the base URL,
 * which includes `/v1.0`) and replay class. The operation name is used in logs, errors and by the
 * sandbox's counters.
 *
 * Replay classes (the request layer, `request.ts`, applies them):
 * - `idempotent`: repeating the request cannot change the outcome (reads, PUT of a full update, DELETE,
 *   minting an auth token). Retried on 429, 5xx, connection errors and timeouts.
 * - `unsafe`: creates or changes state each time it runs (issue, create, redeem, void). Retried only when
 *   Sparkfly provably did not act on it: a 429 (rejected before any work), a connection that could not be
 *   opened, and - once - a connection reset before any response byte (a stale keep-alive socket). Never on
 *   a timeout, a 5xx (503 included) or a reset after the response started.
 */
export const SPARKFLY_OPERATIONS = {
  auth: { method: 'POST', path: '/auth', replay: 'idempotent' },
  'credentials.create': { method: 'POST', path: '/credentials', replay: 'unsafe' },
  'credentials.get': { method: 'GET', path: '/credentials/{id}', replay: 'idempotent' },
  'credentials.list': { method: 'GET', path: '/credentials', replay: 'idempotent' },
  'credentials.update': { method: 'PUT', path: '/credentials/{id}', replay: 'idempotent' },
  'credentials.delete': { method: 'DELETE', path: '/credentials/{id}', replay: 'idempotent' },
  'credentials.redeem': { method: 'PUT', path: '/credentials/{id}/redeem', replay: 'unsafe' },
  'credentials.void': { method: 'PUT', path: '/credentials/{id}/void', replay: 'unsafe' },
  'credentials.eligibility': { method: 'GET', path: '/credentials/eligible', replay: 'idempotent' },
  'offerStates.issue': { method: 'POST', path: '/members/offer_states/issue', replay: 'unsafe' },
  'offerStates.createFromQuery': { method: 'POST', path: '/members/offer_states', replay: 'unsafe' },
  'offerStates.issueForMember': {
    method: 'POST',
    path: '/members/{member_id}/offer_states',
    replay: 'unsafe',
  },
  'offerStates.get': { method: 'GET', path: '/members/{member_id}/offer_states/{id}', replay: 'idempotent' },
  'offerStates.list': { method: 'GET', path: '/members/{member_id}/offer_states', replay: 'idempotent' },
  'offerStates.getByOffer': {
    method: 'GET',
    path: '/members/{member_id}/offers/{offer_id}',
    replay: 'idempotent',
  },
  'offerStates.query': { method: 'GET', path: '/members/offer_states', replay: 'idempotent' },
  'offerStates.update': {
    method: 'PUT',
    path: '/members/{member_id}/offer_states/{id}',
    replay: 'idempotent',
  },
  'offerStates.redeem': { method: 'POST', path: '/members/{member_id}/offer_states/{id}', replay: 'unsafe' },
  'offerStates.void': {
    method: 'POST',
    path: '/members/{member_id}/offer_states/{id}/void',
    replay: 'unsafe',
  },
  'offerStates.voidByMemberIdentifier': {
    method: 'POST',
    path: '/members/offer_states/{id}/void',
    replay: 'unsafe',
  },
} as const satisfies Record<string, OperationSpec>

/** Method, path template and replay class of one operation. */
export interface OperationSpec {
  method: HttpMethod
  path: string
  replay: ReplayClass
}

/** HTTP methods the Sparkfly API uses. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

/** Whether a request may be sent again after a failure that leaves its outcome unknown. */
export type ReplayClass = 'idempotent' | 'unsafe'

/** Name of a Sparkfly operation, e.g. `offerStates.issue`. */
export type SparkflyOperation = keyof typeof SPARKFLY_OPERATIONS
