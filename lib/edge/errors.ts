export { PermanentError, TransientError } from '../errors'

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
