import type { HttpMethod } from './operations'

/** What the request layer hands to the transport for one attempt. */
export interface SparkflyTransportRequest {
  method: HttpMethod
  headers: Record<string, string>
  body?: string
  /** Aborts on the per-attempt timeout or when the caller cancels. */
  signal: AbortSignal
}

/**
 * Sends one HTTP request and resolves with the response (any status). Rejects only when no response
 * arrived; the error's `cause.code` (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`, ...) is used to
 * decide whether the request could have reached Sparkfly. Same shape as `fetch`, so a fake for tests is
 * `async (url, init) => new Response(...)`.
 */
export type SparkflyTransport = (url: string, request: SparkflyTransportRequest) => Promise<Response>

/**
 * The default transport: Node's global `fetch` (undici). Its global dispatcher keeps connections alive
 * between calls and across warm Lambda invocations, so a container reuses its TLS sessions to Sparkfly.
 */
export const fetchTransport: SparkflyTransport = (url, request) => fetch(url, request)
