/**
 * Error answers in Sparkfly's own shapes. Resolvers throw these; the server turns them into bodies,
 * filling `trace` with the request id.
 */

/** The exact messages clients may match on (see docs/sandbox.md). */
export const Messages = {
  offerStateAlreadyVoided: 'Offer State already voided',
  offerStateAlreadyRedeemed: 'Offer State already redeemed',
  offerStateNotYetActive: 'Offer State is not yet active',
  offerStateExpired: 'Offer State has expired',
  credentialAlreadyVoided: 'Credential already voided',
  credentialAlreadyRedeemed: 'Credential already redeemed',
  campaignSuspended: 'Campaign is suspended',
  campaignNotFound: 'Campaign not found',
  memberNotFound: 'Member not found',
  offerStateNotFound: 'OfferState not found - not found',
  offerNotFound: 'Offer not found',
  credentialNotFound: 'Credential not found',
  invalidCredentials: 'Invalid credentials',
  tokenMissing: 'X-Auth-Token header is required',
  tokenInvalid: 'Invalid or expired token',
  routeNotFound: 'Not found',
} as const

export type ErrorShape =
  /** `api_error`: {"trace", "error"} */
  | 'api_error'
  /** `offer_state_error`: {"error"} */
  | 'offer_state_error'
  /** `errors`: {"errors": {"field": ["problem"]}} */
  | 'errors'

/** A non-2xx answer. */
export class SparkflyReply extends Error {
  override name = 'SparkflyReply'
  constructor(
    readonly status: number,
    readonly shape: ErrorShape,
    message: string,
    readonly fields: Record<string, string[]> = {},
  ) {
    super(message)
  }

  body(trace: string): unknown {
    switch (this.shape) {
      case 'api_error':
        return { trace, error: this.message }
      case 'offer_state_error':
        return { error: this.message }
      case 'errors':
        return { errors: this.fields }
    }
  }
}

/** {"trace", "error"} with the given status. */
export const apiError = (status: number, message: string) => new SparkflyReply(status, 'api_error', message)

/** {"error"} with the given status. */
export const offerStateError = (status: number, message: string) =>
  new SparkflyReply(status, 'offer_state_error', message)

/** 400 {"errors": {...}} */
export const invalid = (fields: Record<string, string[]>) =>
  new SparkflyReply(400, 'errors', 'invalid request', fields)

export const unauthorized = (message: string) => new SparkflyReply(401, 'offer_state_error', message)

/** Collects field problems, then throws one 400 with all of them. */
export class FieldErrors {
  private readonly fields: Record<string, string[]> = {}

  add(field: string, problem: string): void {
    const list = this.fields[field] ?? []
    list.push(problem)
    this.fields[field] = list
  }

  get empty(): boolean {
    return Object.keys(this.fields).length === 0
  }

  throwIfAny(): void {
    if (!this.empty) throw invalid(this.fields)
  }
}
