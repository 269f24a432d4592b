import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
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
 * Node's global `fetch` (undici) as a transport. Its global dispatcher keeps connections alive between calls and
 * across warm Lambda invocations. Not the default: {@link nodeHttpTransport} does the same for less CPU.
 */
export const fetchTransport: SparkflyTransport = (url, request) => fetch(url, request)

/**
 * How long an idle kept-alive socket stays in the pool. With a timeout set, Node's agent also honours the server's
 * `Keep-Alive: timeout=N` hint (closing at N - 1 s): without either, a socket the server is closing can be reused and
 * the request fails with ECONNRESET, which an issue call cannot safely replay.
 */
const IDLE_SOCKET_TIMEOUT_MS = 4_000

/** Keep-alive agents of the container, created on first use: one pool per scheme, reused by warm invocations. */
let agents: { http: HttpAgent; https: HttpsAgent } | undefined
const agentFor = (secure: boolean) => {
  const options = { keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS }
  agents ??= { http: new HttpAgent(options), https: new HttpsAgent(options) }
  return secure ? agents.https : agents.http
}

/** Statuses whose responses have no body (a `Response` refuses one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304])

/**
 * Thrown when the answer was cut after its status line arrived: Sparkfly has answered, so this is never classified
 * as a reset before any response byte (it carries no socket code in its cause chain, unlike a failed connection).
 */
export class SparkflyAnswerInterruptedError extends Error {
  override name = 'SparkflyAnswerInterruptedError'
  constructor(readonly status: number) {
    super(`Sparkfly's answer (status ${status}) was interrupted before its end`)
  }
}

function headersOf(raw: readonly string[]): Headers {
  const headers = new Headers()
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
  return headers
}

/** Buffers `res` into a `Response`; rejects with {@link SparkflyAnswerInterruptedError} if it does not end. */
function collect(res: IncomingMessage, resolve: (r: Response) => void, reject: (e: unknown) => void) {
  const chunks: Buffer[] = []
  const status = res.statusCode ?? 0
  res.on('data', (chunk: Buffer) => chunks.push(chunk))
  res.once('end', () => {
    const body = NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks)
    resolve(new Response(body, { status, headers: headersOf(res.rawHeaders) }))
  })
  const interrupted = () => reject(new SparkflyAnswerInterruptedError(status))
  res.once('error', interrupted)
  res.once('close', () => {
    if (!res.complete) interrupted()
  })
}

/**
 * The default transport: `node:http` / `node:https` with a keep-alive agent per container, so warm invocations reuse
 * their connections (and TLS sessions) to Sparkfly. It costs about a third of `fetch`'s CPU per call (see
 * docs/performance.md). A failure before any answer rejects with the socket error as `cause` (`ECONNREFUSED`,
 * `ECONNRESET`...); an answer cut short rejects with {@link SparkflyAnswerInterruptedError}.
 */
export const nodeHttpTransport: SparkflyTransport = (url, request) =>
  new Promise((resolve, reject) => {
    const target = new URL(url)
    const secure = target.protocol === 'https:'
    const send = secure ? httpsRequest : httpRequest
    const headers = { ...request.headers }
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body))
    const req = send(
      target,
      { method: request.method, headers, agent: agentFor(secure), signal: request.signal },
      (res) => collect(res, resolve, reject),
    )
    req.once('error', (error) => reject(new Error('Sparkfly request failed', { cause: error })))
    req.end(request.body)
  })

/** The transport a client uses when none is given. */
export const defaultTransport: SparkflyTransport = nodeHttpTransport
