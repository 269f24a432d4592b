import { callFailure } from '../offers'
import { SweepFailureReason } from './types'

/** A Sparkfly call the sweep abandoned because the run's hard deadline passed (it may have reached Sparkfly). */
export class SweepAbortedError extends Error {
  override name = 'SweepAbortedError'
  constructor(cause: unknown) {
    super('The Sparkfly call was abandoned at the run’s hard deadline', { cause })
  }
}

/**
 * Why handling an offer failed, read from the error's properties: abandoned at the deadline, throttled (429),
 * Sparkfly unavailable (retryable) or rejecting the call, or anything else (ledger, events: internal).
 *
 * @example
 * failureReason(new SparkflyRateLimitError('429', { status: 429 })) // 'rate_limited'
 */
export function failureReason(error: unknown): SweepFailureReason {
  if (error instanceof SweepAbortedError) return SweepFailureReason.aborted
  const failure = callFailure(error)
  if (!failure) return SweepFailureReason.internal
  if (failure.status === 429) return SweepFailureReason.rateLimited
  return failure.retryable ? SweepFailureReason.sparkflyUnavailable : SweepFailureReason.sparkflyRejected
}

/** How long Sparkfly asked to wait after a 429, when it said. */
export const retryAfterMs = (error: unknown): number | undefined => callFailure(error)?.retryAfterMs

/** True when the failed call provably did not reach Sparkfly (throttled, refused before acting, never sent). */
export const provablyNotApplied = (error: unknown): boolean => callFailure(error)?.applied === 'no'

/** Name and message of an error, for logs. */
export function describeError(error: unknown): { name?: string; message?: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) }
}

/** The error's class name, for logs only (never to decide anything). */
export const errorName = (error: unknown): string | undefined =>
  error instanceof Error ? error.name : undefined
