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
  /** `bad_request_object`: {"error", "message"} (the platform description's 400 "error parsing request") */
  | 'bad_request'

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
      case 'bad_request':
        return { error: this.message, message: describeFields(this.fields) ?? this.message }
    }
  }
}

/** {"trace", "error"} with the given status. */
export const apiError = (status: number, message: string) => new SparkflyReply(status, 'api_error', message)

/** {"error"} with the given status. */
export const offerStateError = (status: number, message: string) =>
  new SparkflyReply(status, 'offer_state_error', message)

const fieldProblems = (fields: Record<string, string[]>): string[] =>
  Object.entries(fields).flatMap(([field, problems]) => problems.map((problem) => `${field} ${problem}`))

/** "member_id can't be blank; offer_id is not valid", or undefined when there are no field problems. */
function describeFields(fields: Record<string, string[]>): string | undefined {
  const parts = fieldProblems(fields)
  return parts.length > 0 ? parts.join('; ') : undefined
}

/** 400 {"error", "message"}: `error` names the first problem, `message` lists them all. */
export const invalid = (fields: Record<string, string[]>, status = 400) =>
  new SparkflyReply(status, 'bad_request', fieldProblems(fields)[0] ?? 'invalid request', fields)

/** 400 {"error", "message"} with one message. */
export const badRequest = (message: string) => new SparkflyReply(400, 'bad_request', message)

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

  /** Throws one {"error", "message"} reply (400 unless `status` says otherwise) listing every problem. */
  throwIfAny(status = 400): void {
    if (!this.empty) throw invalid(this.fields, status)
  }
}
