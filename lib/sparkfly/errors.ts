import type { SparkflyOperation } from './operations'

/**
 * Could a failed request have taken effect at Sparkfly? `no`: Sparkfly provably did not act (a 4xx answer,
 * an argument rejected before sending, a connection that could not be opened). `maybe`: it may have (5xx,
 * timeouts, a connection that broke after the request may have been written, a 2xx whose body did not match).
 */
export const SPARKFLY_APPLIED = { no: 'no', maybe: 'maybe' } as const

/** One of {@link SPARKFLY_APPLIED}. */
export type SparkflyApplied = (typeof SPARKFLY_APPLIED)[keyof typeof SPARKFLY_APPLIED]

/** Fields every {@link SparkflyError} may carry. */
export interface SparkflyErrorDetails {
  /** HTTP status Sparkfly answered with (absent for connection errors, timeouts and bad arguments). */
  status?: number
  /** Operation that failed, e.g. `offerStates.void`. */
  operation?: SparkflyOperation
  /** Sparkfly's `trace` id from the error body. */
  trace?: string
  /** Sparkfly's own error text (`error`, `message` or the flattened `errors`). */
  sparkflyMessage?: string
  /** `X-Request-Id` response header. */
  requestId?: string
  /** Whether trying the same call again later could succeed. */
  retryable?: boolean
  /** Whether the request could have taken effect at Sparkfly (default: from the status, else `maybe`). */
  applied?: SparkflyApplied
  /** How long Sparkfly asked to wait (`Retry-After`), in milliseconds. */
  retryAfterMs?: number
  /** Underlying error. */
  cause?: unknown
}

/**
 * Base class of every error the Sparkfly client throws. Messages never contain tokens, keys or secret
 * values.
 *
 * @example
 * ```ts
 * try {
 *   await client.offerStates.void(memberId, offerStateId)
 * } catch (error) {
 *   if (error instanceof SparkflyConflictError && error.conflict === 'already_voided') return
 *   throw error
 * }
 * ```
 */
export class SparkflyError extends Error {
  /** HTTP status, when Sparkfly answered. */
  readonly status?: number
  /** Operation that failed. */
  readonly operation?: SparkflyOperation
  /** Sparkfly's `trace` id. */
  readonly trace?: string
  /** Sparkfly's own error text. */
  readonly sparkflyMessage?: string
  /** `X-Request-Id` of the answer. */
  readonly requestId?: string
  /** Whether the same call could succeed later (queues retry these instead of dead-lettering them). */
  readonly retryable: boolean
  /** `Retry-After` in ms, when Sparkfly sent one. */
  readonly retryAfterMs?: number
  /**
   * Could this request have taken effect at Sparkfly? `no` only when Sparkfly provably did not act on it;
   * a caller may then send it again without looking first. On `maybe`, look the outcome up (e.g. by
   * `external_ref_id`) before repeating a call that creates or changes state.
   */
  readonly applied: SparkflyApplied

  constructor(message: string, details: SparkflyErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.name = 'SparkflyError'
    this.status = details.status
    this.operation = details.operation
    this.trace = details.trace
    this.sparkflyMessage = details.sparkflyMessage
    this.requestId = details.requestId
    this.retryable = details.retryable ?? false
    this.retryAfterMs = details.retryAfterMs
    this.applied = details.applied ?? appliedForStatus(details.status)
  }

  /** Plain fields for structured logs (`JSON.stringify(error)` would otherwise print `{}`). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      operation: this.operation,
      trace: this.trace,
      sparkflyMessage: this.sparkflyMessage,
      requestId: this.requestId,
      retryable: this.retryable,
      applied: this.applied,
      retryAfterMs: this.retryAfterMs,
    }
  }
}

/**
 * 401 / 403: the token (or identity and key) was rejected, also after one refresh; or the Sparkfly secret
 * could not be read or has the wrong shape. `retryable` is true for 401 and for secret read failures.
 */
export class SparkflyAuthenticationError extends SparkflyError {
  constructor(message: string, details: SparkflyErrorDetails = {}) {
    super(message, { ...details, retryable: details.retryable ?? false, applied: SPARKFLY_APPLIED.no })
    this.name = 'SparkflyAuthenticationError'
  }
}

/** 404: the member, offer state, credential or campaign does not exist. */
export class SparkflyNotFoundError extends SparkflyError {
  constructor(message: string, details: SparkflyErrorDetails = {}) {
    super(message, { ...details, retryable: false, applied: SPARKFLY_APPLIED.no })
    this.name = 'SparkflyNotFoundError'
  }
}

/** Kinds of {@link SparkflyConflictError}. */
export const SPARKFLY_CONFLICTS = {
  alreadyVoided: 'already_voided',
  alreadyRedeemed: 'already_redeemed',
  other: 'other',
} as const

/** `already_voided`, `already_redeemed` or `other`. */
export type SparkflyConflict = (typeof SPARKFLY_CONFLICTS)[keyof typeof SPARKFLY_CONFLICTS]

/** 409, or 422 "... already voided" / "... already redeemed": the target is not in a state that allows it. */
export class SparkflyConflictError extends SparkflyError {
  /** What the conflict is about. */
  readonly conflict: SparkflyConflict

  constructor(message: string, details: SparkflyErrorDetails & { conflict: SparkflyConflict }) {
    // A 409 may clear up (e.g. a credential locked for processing); "already voided/redeemed" never does.
    super(message, {
      ...details,
      retryable: details.conflict === SPARKFLY_CONFLICTS.other,
      applied: SPARKFLY_APPLIED.no,
    })
    this.name = 'SparkflyConflictError'
    this.conflict = details.conflict
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), conflict: this.conflict }
  }
}

/** Known business-rule rejections carried by a 422 {@link SparkflyValidationError}. */
export const SPARKFLY_REJECTIONS = {
  notYetActive: 'not_yet_active',
  expired: 'expired',
  campaignSuspended: 'campaign_suspended',
  campaignNotFound: 'campaign_not_found',
  locked: 'locked',
} as const

/** One of {@link SPARKFLY_REJECTIONS}. */
export type SparkflyRejection = (typeof SPARKFLY_REJECTIONS)[keyof typeof SPARKFLY_REJECTIONS]

/**
 * 400, or a 422 other than a conflict: Sparkfly refused the input. `fieldErrors` holds Sparkfly's
 * `{"errors": {"field": ["problem"]}}`; `rejection` names a recognised business rule.
 */
export class SparkflyValidationError extends SparkflyError {
  /** Problems by field, from Sparkfly's `errors` object. */
  readonly fieldErrors: Record<string, string[]>
  /** Recognised business rule (422), when Sparkfly's message names one. */
  readonly rejection?: SparkflyRejection

  constructor(
    message: string,
    details: SparkflyErrorDetails & {
      fieldErrors?: Record<string, string[]>
      rejection?: SparkflyRejection
    } = {},
  ) {
    // "locked for processing, try again later" is the one validation answer that can clear up.
    super(message, {
      ...details,
      retryable: details.rejection === SPARKFLY_REJECTIONS.locked,
      applied: SPARKFLY_APPLIED.no,
    })
    this.name = 'SparkflyValidationError'
    this.fieldErrors = details.fieldErrors ?? {}
    this.rejection = details.rejection
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), fieldErrors: this.fieldErrors, rejection: this.rejection }
  }
}

/**
 * An argument was rejected before any request was sent (e.g. an id that is not a positive integer,
 * an unknown client option). No HTTP call was made.
 */
export class SparkflyInvalidArgumentError extends SparkflyValidationError {
  /** Name of the offending argument or option. */
  readonly argument: string

  constructor(argument: string, message: string, details: SparkflyErrorDetails = {}) {
    super(message, { ...details, fieldErrors: { [argument]: [message] } })
    this.name = 'SparkflyInvalidArgumentError'
    this.argument = argument
  }
}

/** 429: Sparkfly throttled the call (and did nothing). `retryAfterMs` holds its `Retry-After`. */
export class SparkflyRateLimitError extends SparkflyError {
  constructor(message: string, details: SparkflyErrorDetails = {}) {
    super(message, { ...details, retryable: true, applied: SPARKFLY_APPLIED.no })
    this.name = 'SparkflyRateLimitError'
  }
}

/** 5xx: Sparkfly failed. Always `applied: 'maybe'`: a load balancer can answer 503 after the backend acted. */
export class SparkflyServerError extends SparkflyError {
  constructor(message: string, details: SparkflyErrorDetails = {}) {
    super(message, { ...details, retryable: true, applied: SPARKFLY_APPLIED.maybe })
    this.name = 'SparkflyServerError'
  }
}

/**
 * The connection could not be opened or broke before a complete answer. `applied` is `no` when it could not be
 * opened (refused, DNS, unreachable: nothing was sent) and `maybe` otherwise (the default): after a reset the
 * request may have reached Sparkfly.
 */
export class SparkflyConnectionError extends SparkflyError {
  /** Low-level error code, e.g. `ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`. */
  readonly code?: string

  constructor(message: string, details: SparkflyErrorDetails & { code?: string } = {}) {
    super(message, { ...details, retryable: true, applied: details.applied ?? SPARKFLY_APPLIED.maybe })
    this.name = 'SparkflyConnectionError'
    this.code = details.code
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code }
  }
}

/** No complete answer within the per-request timeout (or Sparkfly answered 408). Always `applied: 'maybe'`. */
export class SparkflyTimeoutError extends SparkflyError {
  constructor(message: string, details: SparkflyErrorDetails = {}) {
    super(message, { ...details, retryable: true, applied: SPARKFLY_APPLIED.maybe })
    this.name = 'SparkflyTimeoutError'
  }
}

/**
 * Sparkfly answered successfully, but the body did not match the expected schema. `applied: 'maybe'`: the 2xx
 * says Sparkfly acted, only its answer could not be read.
 */
export class SparkflyContractError extends SparkflyError {
  /** Dotted path of the first offending field, e.g. `offer_state.offer_state_id`. */
  readonly path: string

  constructor(message: string, details: SparkflyErrorDetails & { path: string }) {
    super(message, { ...details, retryable: false, applied: SPARKFLY_APPLIED.maybe })
    this.name = 'SparkflyContractError'
    this.path = details.path
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), path: this.path }
  }
}

/** What {@link createSparkflyError} needs to know about a failed HTTP answer. */
export interface SparkflyErrorResponse {
  status: number
  operation?: SparkflyOperation
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body?: unknown
  requestId?: string
  retryAfterMs?: number
}

interface ErrorBody {
  trace?: string
  message?: string
  fieldErrors: Record<string, string[]>
}

/** Reads Sparkfly's error bodies: `{trace, error}`, `{error}`, `{error, message}`, `{errors: {...}}`. */
export function parseErrorBody(body: unknown): ErrorBody {
  const fieldErrors: Record<string, string[]> = {}
  if (typeof body === 'string') {
    const text = body.trim().slice(0, 500)
    return { message: text.length > 0 ? text : undefined, fieldErrors }
  }
  if (!isRecord(body)) return { fieldErrors }
  const trace = typeof body.trace === 'string' ? body.trace : undefined
  const errors = body.errors
  if (isRecord(errors)) {
    for (const [field, problems] of Object.entries(errors)) {
      const list = Array.isArray(problems) ? problems : [problems]
      const texts = list.filter((p) => p !== null && p !== undefined).map(String)
      if (texts.length > 0) fieldErrors[field] = texts
    }
  } else if (typeof errors === 'string') {
    fieldErrors.base = [errors]
  }
  const direct =
    typeof body.error === 'string' ? body.error : typeof body.message === 'string' ? body.message : undefined
  const flattened = Object.entries(fieldErrors)
    .map(([field, problems]) => `${field} ${problems.join(', ')}`)
    .join('; ')
  return { trace, message: direct ?? (flattened.length > 0 ? flattened : undefined), fieldErrors }
}

const CONFLICT_PATTERNS: ReadonlyArray<[RegExp, SparkflyConflict]> = [
  [/already\s+voided/i, SPARKFLY_CONFLICTS.alreadyVoided],
  [/already\s+redeemed/i, SPARKFLY_CONFLICTS.alreadyRedeemed],
]

const REJECTION_PATTERNS: ReadonlyArray<[RegExp, SparkflyRejection]> = [
  [/not\s+yet\s+active/i, SPARKFLY_REJECTIONS.notYetActive],
  [/expired/i, SPARKFLY_REJECTIONS.expired],
  [/campaign\s+is\s+suspended/i, SPARKFLY_REJECTIONS.campaignSuspended],
  [/campaign\s+not\s+found/i, SPARKFLY_REJECTIONS.campaignNotFound],
  [/locked/i, SPARKFLY_REJECTIONS.locked],
]

function match<T>(text: string | undefined, patterns: ReadonlyArray<[RegExp, T]>): T | undefined {
  if (!text) return undefined
  return patterns.find(([pattern]) => pattern.test(text))?.[1]
}

/**
 * Maps a failed Sparkfly answer to the matching {@link SparkflyError} subclass:
 * 400 -> validation, 401 (retryable) / 403 -> authentication, 404 -> not found, 408 -> timeout, 409 -> conflict,
 * 422 -> conflict ("already voided/redeemed") or validation, 429 -> rate limit, 5xx -> server,
 * anything else -> {@link SparkflyError}.
 *
 * @example
 * ```ts
 * createSparkflyError({ status: 422, body: { trace: 't1', error: 'Offer State already voided' } })
 * // -> SparkflyConflictError { conflict: 'already_voided', trace: 't1' }
 * ```
 */
export function createSparkflyError(response: SparkflyErrorResponse): SparkflyError {
  const { status, operation, requestId, retryAfterMs } = response
  const parsed = parseErrorBody(response.body)
  const details: SparkflyErrorDetails = {
    status,
    operation,
    requestId,
    trace: parsed.trace,
    sparkflyMessage: parsed.message,
    retryAfterMs,
  }
  const what = operation ? `Sparkfly ${operation}` : 'Sparkfly request'
  const message = `${what} failed with HTTP ${status}${parsed.message ? `: ${parsed.message}` : ''}`

  if (status === 400)
    return new SparkflyValidationError(message, { ...details, fieldErrors: parsed.fieldErrors })
  // A 401 that survived one refresh can still clear up (a key rotation in progress, a token expiring between
  // the refresh and the call): the contract retries it later rather than dead-lettering it. 403 will not.
  if (status === 401) return new SparkflyAuthenticationError(message, { ...details, retryable: true })
  if (status === 403) return new SparkflyAuthenticationError(message, details)
  if (status === 404) return new SparkflyNotFoundError(message, details)
  if (status === 408) return new SparkflyTimeoutError(message, details)
  if (status === 409) {
    const conflict = match(parsed.message, CONFLICT_PATTERNS) ?? SPARKFLY_CONFLICTS.other
    return new SparkflyConflictError(message, { ...details, conflict })
  }
  if (status === 422) {
    const conflict = match(parsed.message, CONFLICT_PATTERNS)
    if (conflict) return new SparkflyConflictError(message, { ...details, conflict })
    return new SparkflyValidationError(message, {
      ...details,
      fieldErrors: parsed.fieldErrors,
      rejection: match(parsed.message, REJECTION_PATTERNS),
    })
  }
  if (status === 429) return new SparkflyRateLimitError(message, details)
  if (status >= 500) return new SparkflyServerError(message, details)
  return new SparkflyError(message, details)
}

/** `no` for a 4xx other than 408 (Sparkfly refused the request), `maybe` for anything else or no status. */
function appliedForStatus(status: number | undefined): SparkflyApplied {
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) return SPARKFLY_APPLIED.no
  return SPARKFLY_APPLIED.maybe
}

/**
 * Could the call that threw `error` have taken effect at Sparkfly? A {@link SparkflyError}'s `applied`;
 * `maybe` for anything else (the caller's abort reason, an unexpected error), since the request may have
 * been sent.
 *
 * @example
 * ```ts
 * catch (error) { if (appliedOf(error) === 'maybe') await lookUpBeforeRetrying() }
 * ```
 */
export function appliedOf(error: unknown): SparkflyApplied {
  return error instanceof SparkflyError ? error.applied : SPARKFLY_APPLIED.maybe
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
