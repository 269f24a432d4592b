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
 * Whether a failure of this kind may be retried for an operation of this replay class, given
 * retries are still available. This is the whole replay policy:
 *
 * | failure            | idempotent ops | unsafe ops (issue, create, redeem, void)         |
 * | ------------------ | -------------- | ------------------------------------------------ |
 * | 429                | yes            | yes: Sparkfly rejected it before doing anything  |
 * | 5xx (503 included) | yes            | no: Sparkfly may have acted before failing       |
 * | connect failed     | yes            | yes: no byte of the request left this process    |
 * | reset, no response | yes            | once per call (see {@link allowsFreeResetRetry}) |
 * | other network      | yes            | no                                               |
 * | timeout            | yes            | no: the request may be running at Sparkfly       |
 */
export function isRetryable(kind: FailureKind, replay: ReplayClass): boolean {
  if (replay === 'idempotent') return true
  return kind === FAILURE_KINDS.rateLimited || kind === FAILURE_KINDS.connectFailed
}

/**
 * A connection reset before any response byte is retried once per call even when `maxRetries` is 0
 * and even for unsafe operations: in a thawed Lambda the pooled keep-alive socket is often already
 * closed by the server, and the request dies on it without being processed. The residual risk
 * (Sparkfly read the whole request, acted, then the connection died before it answered) is accepted
 * for one retry only; callers that issue offers reconcile through `external_ref_id`.
 */
export function allowsFreeResetRetry(kind: FailureKind, freeResetRetryUsed: boolean): boolean {
  return kind === FAILURE_KINDS.connectionReset && !freeResetRetryUsed
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
