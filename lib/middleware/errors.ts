/**
 * A failure that retrying cannot fix (malformed message, unknown member, rejected by Sparkfly with a 4xx).
 * SQS handlers park the record on the dead-letter queue with `reason` and acknowledge it.
 */
export class PermanentError extends Error {
  override name = 'PermanentError'
  constructor(
    /** Short machine-readable reason, e.g. `malformed_json`, `unknown_member`. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A failure that a retry may fix; the record goes back to SQS. */
export class TransientError extends Error {
  override name = 'TransientError'
  readonly retryable = true
}

/**
 * An answer for the HTTP caller, rendered as RFC 7807 `application/problem+json` by the HTTP middleware chain.
 */
export class HttpProblem extends Error {
  override name = 'HttpProblem'
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }
}
