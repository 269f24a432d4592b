// Failures the domains report, free of any transport: the edges (SQS, HTTP) decide what each means to their caller.

/**
 * A failure that retrying cannot fix (malformed message, unknown member, an input Sparkfly refused), with a short
 * machine-readable `reason` (e.g. `malformed_json`, `invalid_window`). An SQS edge parks the record on its
 * dead-letter queue with the reason; an HTTP edge answers 4xx.
 */
export class PermanentError extends Error {
  override name = 'PermanentError'
  readonly retryable = false
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/** A failure that a retry may fix (e.g. a record still being processed elsewhere); SQS delivers it again. */
export class TransientError extends Error {
  override name = 'TransientError'
  readonly retryable = true
}
