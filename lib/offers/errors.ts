import {
  SparkflyAuthenticationError,
  SparkflyConnectionError,
  SparkflyContractError,
  SparkflyError,
  SparkflyInvalidArgumentError,
  SparkflyRateLimitError,
  SparkflyTimeoutError,
} from '../sparkfly/errors'

/** Whether a failed call could have taken effect at Sparkfly. */
export type Applied = 'no' | 'maybe'

/**
 * What a caller needs to know about a failed call to Sparkfly, read from the error's properties.
 * Domains decide with `applied` (look up before repeating an unsafe call) and `retryable`; the edges
 * (SQS, HTTP) with `reason`, `unavailable` and `retryAfterMs`.
 */
export interface CallFailure {
  /** Trying the same call later could succeed. */
  retryable: boolean
  /** `maybe`: the request may have been applied although no answer says so (5xx, timeout, reset). */
  applied: Applied
  /** Busy or unreachable (429, 503, timeouts, connections, an unreadable secret): worth a retry after a pause. */
  unavailable: boolean
  /** Short machine-readable reason, e.g. `sparkfly_404`, `sparkfly_timeout`, `sparkfly_contract`. */
  reason: string
  /** Sparkfly's own words when it gave some, else the error's message. Never holds secret values. */
  detail: string
  /** HTTP status Sparkfly answered, when it answered. */
  status?: number
  /** How long Sparkfly asked to wait, in ms. */
  retryAfterMs?: number
}

const UNAVAILABLE_STATUSES = new Set([401, 408, 429, 503])

function reasonOf(error: SparkflyError): string {
  if (error instanceof SparkflyInvalidArgumentError) return 'invalid_argument'
  if (error instanceof SparkflyContractError) return 'sparkfly_contract'
  if (error.status !== undefined) return `sparkfly_${error.status}`
  if (error instanceof SparkflyTimeoutError) return 'sparkfly_timeout'
  if (error instanceof SparkflyConnectionError) return 'sparkfly_connection'
  if (error instanceof SparkflyAuthenticationError) return 'sparkfly_auth'
  return 'sparkfly_error'
}

/** Errors of the Sparkfly client that carry `applied`; older ones are read conservatively. */
function appliedOf(error: SparkflyError): Applied {
  const declared = (error as { applied?: unknown }).applied
  if (declared === 'no' || declared === 'maybe') return declared
  if (error instanceof SparkflyRateLimitError || error instanceof SparkflyInvalidArgumentError) return 'no'
  if (error.status !== undefined && error.status < 500 && error.status !== 408) return 'no'
  return 'maybe'
}

/**
 * Reads a failed call to Sparkfly (anything the offers port or the Sparkfly client threw). Answers undefined for
 * errors that are not Sparkfly's: callers treat those as retryable and possibly applied.
 *
 * @example
 * const failure = callFailure(error)
 * if (!failure || failure.applied === 'maybe') lookUpBeforeRepeating()
 */
export function callFailure(error: unknown): CallFailure | undefined {
  if (!(error instanceof SparkflyError)) return undefined
  const failure: CallFailure = {
    retryable: error.retryable,
    applied: appliedOf(error),
    unavailable:
      error.retryable &&
      (error.status === undefined
        ? !(error instanceof SparkflyContractError)
        : UNAVAILABLE_STATUSES.has(error.status)),
    reason: reasonOf(error),
    detail: error.sparkflyMessage ?? error.message,
  }
  if (error.status !== undefined) failure.status = error.status
  if (error.retryAfterMs !== undefined) failure.retryAfterMs = error.retryAfterMs
  return failure
}
