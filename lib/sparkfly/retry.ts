import { SPARKFLY_APPLIED, type SparkflyApplied } from './errors'
import type { ReplayClass } from './operations'

/** Why an attempt failed, as far as retrying is concerned. */
export const FAILURE_KINDS = {
  /** 429: Sparkfly refused the call before doing any work. */
  rateLimited: 'rate_limited',
  /** 5xx: Sparkfly may or may not have acted. */
  serverError: 'server_error',
  /** No connection could be opened (refused, DNS, unreachable, connect timeout): nothing was sent. */
  connectFailed: 'connect_failed',
  /** The connection was reset / closed before any response byte: typical of a stale keep-alive socket. */
  connectionReset: 'connection_reset',
  /** Other network failure, or one after the response started: outcome unknown. */
  networkError: 'network_error',
  /** The per-attempt timeout fired: outcome unknown. */
  timeout: 'timeout',
} as const

/** One of {@link FAILURE_KINDS}. */
export type FailureKind = (typeof FAILURE_KINDS)[keyof typeof FAILURE_KINDS]

/**
 * Could an attempt that failed this way have taken effect at Sparkfly? Only a 429 (refused before any work)
 * and a connection that could not be opened (nothing was sent) are `no`; a reset or socket error may come
 * after the request was written, so it is `maybe`, like a 5xx or a timeout.
 */
export const FAILURE_APPLIED: Readonly<Record<FailureKind, SparkflyApplied>> = {
  [FAILURE_KINDS.rateLimited]: SPARKFLY_APPLIED.no,
  [FAILURE_KINDS.connectFailed]: SPARKFLY_APPLIED.no,
  [FAILURE_KINDS.serverError]: SPARKFLY_APPLIED.maybe,
  [FAILURE_KINDS.connectionReset]: SPARKFLY_APPLIED.maybe,
  [FAILURE_KINDS.networkError]: SPARKFLY_APPLIED.maybe,
  [FAILURE_KINDS.timeout]: SPARKFLY_APPLIED.maybe,
}

/**
 * Whether a failure of this kind may be retried for an operation of this replay class, given
 * retries are still available. This is the whole replay policy: idempotent operations retry every
 * transient failure; unsafe ones only those Sparkfly provably did not act on ({@link FAILURE_APPLIED} `no`).
 *
 * | failure            | idempotent ops | unsafe ops (issue, create, redeem, void)           |
 * | ------------------ | -------------- | -------------------------------------------------- |
 * | 429                | yes            | yes: Sparkfly rejected it before doing anything    |
 * | 5xx (503 included) | yes            | no: Sparkfly may have acted before failing         |
 * | connect failed     | yes            | yes: no byte of the request left this process      |
 * | reset / socket     | yes (+1 free)  | no: the request may have been written and acted on |
 * | other network      | yes            | no                                                 |
 * | timeout            | yes            | no: the request may be running at Sparkfly         |
 */
export function isRetryable(kind: FailureKind, replay: ReplayClass): boolean {
  return replay === 'idempotent' || FAILURE_APPLIED[kind] === SPARKFLY_APPLIED.no
}

/**
 * A connection reset before any response byte is retried once per call for idempotent operations even
 * when `maxRetries` is 0: in a thawed Lambda the pooled keep-alive socket is often already closed by the
 * server. Unsafe operations never get it: Sparkfly may have read the whole request and acted before the
 * connection died, so the error (`applied: 'maybe'`) goes to the caller, who reconciles through
 * `external_ref_id`.
 */
export function allowsFreeResetRetry(
  kind: FailureKind,
  replay: ReplayClass,
  freeResetRetryUsed: boolean,
): boolean {
  return replay === 'idempotent' && kind === FAILURE_KINDS.connectionReset && !freeResetRetryUsed
}

const CONNECT_FAILED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
])

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

/** Finds the low-level code (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) in a fetch error's cause chain. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 5 && current; depth++) {
    if (typeof current !== 'object') return undefined
    const record = current as { code?: unknown; cause?: unknown; errors?: unknown }
    if (typeof record.code === 'string' && record.code.length > 0) return record.code
    if (Array.isArray(record.errors) && record.errors.length > 0) {
      const inner = networkErrorCode(record.errors[0])
      if (inner) return inner
    }
    current = record.cause
  }
  return undefined
}

/**
 * Classifies an error thrown by the transport before a response arrived.
 * `connect_failed` and `connection_reset` both mean no response byte was received.
 */
export function classifyNetworkError(error: unknown): FailureKind {
  const code = networkErrorCode(error)
  if (code && CONNECT_FAILED_CODES.has(code)) return FAILURE_KINDS.connectFailed
  if (code && RESET_CODES.has(code)) return FAILURE_KINDS.connectionReset
  return FAILURE_KINDS.networkError
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds from `now`.
 * Returns `undefined` when absent or unreadable; dates in the past give 0.
 *
 * @example
 * ```ts
 * parseRetryAfter('2') // 2000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT')) // 2000
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (text.length === 0) return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  // HTTP dates (IMF-fixdate, RFC 850, asctime) always name the month; Date.parse would accept "-3".
  if (!/[a-z]{3}/i.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/** A retry decision: wait `delayMs`, then send again; or give up and throw. */
export type RetryDecision = { retry: true; delayMs: number } | { retry: false }

/** What {@link RetryBudget} needs to know about one call. */
export interface RetryPolicy extends BackoffOptions {
  replay: ReplayClass
  /** Retries after the first attempt (the free reset retry does not count). */
  maxRetries: number
  /** Epoch ms after which no attempt starts. */
  deadline: number
}

const NO_RETRY: RetryDecision = { retry: false }
/** An attempt needs at least this much of the budget to be worth starting. */
const MIN_ATTEMPT_MS = 50

/**
 * The retry state of one call: decides after each failed attempt whether to send again and after how
 * long (`Retry-After` when Sparkfly sent one, else capped exponential backoff with full jitter), within
 * `maxRetries` and the call's deadline.
 */
export class RetryBudget {
  private retriesUsed = 0
  private freeResetRetryUsed = false

  constructor(private readonly policy: RetryPolicy) {}

  /** Milliseconds left before the call's deadline. */
  remainingMs(now: number = Date.now()): number {
    return this.policy.deadline - now
  }

  /** Decides (and books) the retry after a failure of `kind`. */
  decide(kind: FailureKind, retryAfterMs?: number, now: number = Date.now()): RetryDecision {
    const free = allowsFreeResetRetry(kind, this.policy.replay, this.freeResetRetryUsed)
    const normal = this.retriesUsed < this.policy.maxRetries && isRetryable(kind, this.policy.replay)
    if (!free && !normal) return NO_RETRY
    const delayMs = retryAfterMs ?? (free ? 0 : backoffDelay(this.retriesUsed, this.policy))
    if (now + delayMs + MIN_ATTEMPT_MS > this.policy.deadline) return NO_RETRY
    if (free) this.freeResetRetryUsed = true
    else this.retriesUsed += 1
    return { retry: true, delayMs }
  }
}

/** Backoff parameters. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry (ms). */
  baseDelayMs: number
  /** Largest delay (ms). */
  maxDelayMs: number
  /** Random source in [0, 1), for tests. */
  random?: () => number
}

/**
 * Capped exponential backoff with full jitter: a random delay in [0, min(max, base * 2^retry)).
 * `retry` counts from 0 (the first retry).
 */
export function backoffDelay(retry: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry)
  return Math.floor((options.random ?? Math.random)() * ceiling)
}
