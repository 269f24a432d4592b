/**
 * The HTTP front of the sandbox (node:http). Each API request goes through, in order:
 * request id -> route -> count -> fault decision -> latency -> fault answer, or token check -> body -> resolver.
 * The fault decision comes before the resolver, so an injected 429/500/503/hang/reset never changed state;
 * a lost-answer fault (apply-then-503/-reset/-hang) runs the resolver first, then loses its answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { ADMIN_PREFIX, handleAdmin } from './admin'
import { iso } from './clock'
import { record, type SandboxCore } from './core'
import { invalid, Messages, SparkflyReply, unauthorized } from './errors'
import { type FaultDecision, losesAnswer } from './faults'
import { requestId as newRequestId } from './ids'
import { matchRoute } from './routes'
import type { RequestLogEntry, SandboxAdmin } from './types'

const MAX_BODY_BYTES = 1_000_000

interface Outgoing {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

function send(res: ServerResponse, reply: Outgoing): void {
  if (res.destroyed || res.writableEnded) return
  const headers: Record<string, string | number> = { ...reply.headers }
  let payload = ''
  if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body)
    headers['Content-Type'] = 'application/json; charset=utf-8'
  }
  if (reply.status !== 204) headers['Content-Length'] = Buffer.byteLength(payload)
  res.writeHead(reply.status, headers)
  res.end(payload)
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) return null
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined
  try {
    return JSON.parse(raw)
  } catch {
    throw invalid({ body: ['is not valid JSON'] })
  }
}

/** The answer the sandbox gives instead of running the operation. */
function faultReply(fault: FaultDecision, trace: string): Outgoing {
  const retryAfter = { 'Retry-After': String(fault.retryAfterSeconds) }
  switch (fault.kind) {
    case 'rateLimit':
      return {
        status: 429,
        headers: { ...retryAfter, 'X-Sandbox-Fault': 'rate-limit' },
        body: { trace, error: 'Rate limit exceeded' },
      }
    case 429:
      return {
        status: 429,
        headers: { ...retryAfter, 'X-Sandbox-Fault': '429' },
        body: { trace, error: 'Too many requests' },
      }
    case 503:
      return {
        status: 503,
        headers: { ...retryAfter, 'X-Sandbox-Fault': '503' },
        body: { trace, error: 'Service unavailable' },
      }
    default:
      return {
        status: 500,
        headers: { 'X-Sandbox-Fault': '500' },
        body: { trace, error: 'Internal server error' },
      }
  }
}

export interface SandboxServer {
  server: Server
  listen(port: number, host: string): Promise<AddressInfo>
  stop(): Promise<void>
}

/** What every request of one sandbox server shares. */
interface ServerContext {
  readonly core: SandboxCore
  readonly admin: SandboxAdmin
  /** Aborted by stop(): latency waits end at once and their requests are never answered. */
  readonly stopping: AbortSignal
}

/** One API request on its way through the pipeline, and the log entry it fills in. */
interface ApiRequest {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly url: URL
  readonly raw: string
  readonly requestId: string
  readonly started: number
  readonly entry: RequestLogEntry
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

function logRequest(core: SandboxCore, entry: RequestLogEntry): void {
  record(core, entry)
  try {
    core.options.onRequest?.({ ...entry })
  } catch {
    // an observer's failure never changes the answer
  }
  if (core.options.quiet === false) {
    const status = entry.status === 0 ? (entry.fault ?? 'none') : entry.status
    console.log(
      `[sandbox] ${status} ${entry.method} ${entry.path} ${entry.operation} ${entry.durationMs}ms ${entry.requestId}${entry.fault ? ` fault=${entry.fault}` : ''}`,
    )
  }
}

/** Sends the reply (none for a hang or a drop) and logs the request. */
function finish(ctx: ServerContext, request: ApiRequest, reply: Outgoing | null): void {
  if (reply) send(request.res, reply)
  request.entry.status = reply?.status ?? 0
  request.entry.durationMs = Math.round(performance.now() - request.started)
  logRequest(ctx.core, request.entry)
}

async function handle(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now()
  const requestId = newRequestId()
  res.setHeader('X-Request-Id', requestId)
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid')
  const method = req.method ?? 'GET'

  const raw = await readBody(req)
  if (raw === null) {
    send(res, { status: 413, body: { error: 'Request body too large' } })
    return
  }

  if (url.pathname === ADMIN_PREFIX || url.pathname.startsWith(`${ADMIN_PREFIX}/`)) {
    send(res, handleAdmin(ctx.admin, ctx.core, method, url.pathname.slice(ADMIN_PREFIX.length), raw))
    return
  }

  const entry: RequestLogEntry = {
    at: iso(ctx.core.clock.now()),
    method,
    path: url.pathname + url.search,
    operation: 'unknown',
    status: 0,
    requestId,
    durationMs: 0,
  }
  await handleApi(ctx, { req, res, url, raw, requestId, started, entry })
}

/** route -> count -> fault decision -> latency -> fault answer, or the operation itself (then its answer, or a lost one). */
async function handleApi(ctx: ServerContext, request: ApiRequest): Promise<void> {
  const { core } = ctx
  const { entry } = request
  const match = matchRoute(entry.method, request.url.pathname)
  if (!match) {
    finish(ctx, request, { status: 404, body: { error: Messages.routeNotFound } })
    return
  }
  const operation = match.route.operation
  entry.operation = operation
  core.counters[operation] += 1

  const fault = core.faults.decide(operation)
  if (fault?.kind === 'hang') {
    // Never answered: the client gives up, or stop() closes the connection.
    entry.fault = 'hang'
    finish(ctx, request, null)
    return
  }
  await sleep(ctx.stopping, core.faults.delayFor(operation))
  if (ctx.stopping.aborted) return
  if (!fault) {
    finish(ctx, request, await applied(ctx, request, runOperation(ctx, request, match)))
    return
  }
  entry.fault = fault.kind
  if (losesAnswer(fault.kind)) await applied(ctx, request, runOperation(ctx, request, match))
  finish(ctx, request, faultAnswer(request, fault))
}

/** Records what the operation produced and lets `onApplied` act before the answer leaves. */
async function applied(ctx: ServerContext, request: ApiRequest, reply: Outgoing): Promise<Outgoing> {
  request.entry.appliedStatus = reply.status
  try {
    await ctx.core.options.onApplied?.({ ...request.entry })
  } catch {
    // an observer's failure never changes the answer
  }
  return reply
}

/** What an injected fault leaves the client with: an answer, or (reset, hang) none. */
function faultAnswer(request: ApiRequest, fault: FaultDecision): Outgoing | null {
  switch (fault.kind) {
    case 'drop':
    case 'reset':
    case 'apply-then-reset':
      request.req.socket.destroy()
      return null
    case 'hang':
    case 'apply-then-hang':
      return null
    case 'apply-then-503':
      return faultReply({ ...fault, kind: 503 }, request.requestId)
    default:
      return faultReply(fault, request.requestId)
  }
}

/** The account of the request's token; throws a 401 reply when it is missing, unknown, expired or used up. */
function authenticate(core: SandboxCore, request: ApiRequest): number {
  const token = header(request.req, 'x-auth-token')
  if (!token) throw unauthorized(Messages.tokenMissing)
  const check = core.tokens.use(token, core.clock.now().getTime(), core.faults.tokenExpiresEveryCalls)
  if (!check.ok) {
    if (check.reason === 'callLimit') request.entry.fault = 'tokenExpiry'
    if (check.reason === 'revoked') request.entry.fault = 'tokenRevoked'
    throw unauthorized(Messages.tokenInvalid)
  }
  return check.accountId
}

/** Token check, body, resolver: the operation's reply, or the error reply it threw. */
function runOperation(
  ctx: ServerContext,
  request: ApiRequest,
  match: NonNullable<ReturnType<typeof matchRoute>>,
): Outgoing {
  const { core } = ctx
  const { operation } = match.route
  try {
    const accountId = operation === 'auth' ? 0 : authenticate(core, request)
    return match.route.resolve({
      params: match.params,
      query: request.url.searchParams,
      body: parseJson(request.raw),
      headers: request.req.headers,
      now: core.clock.now(),
      store: core.store,
      tokens: core.tokens,
      accountId,
    })
  } catch (error) {
    if (error instanceof SparkflyReply) return { status: error.status, body: error.body(request.requestId) }
    console.error(`[sandbox] ${operation} failed (${request.requestId}):`, error)
    return { status: 500, body: { trace: request.requestId, error: 'Sandbox internal error' } }
  }
}

export function createSandboxServer(core: SandboxCore, admin: SandboxAdmin): SandboxServer {
  const stopping = new AbortController()
  let stopped: Promise<void> | undefined
  const ctx: ServerContext = { core, admin, stopping: stopping.signal }

  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      console.error('[sandbox] request failed:', error)
      if (!res.headersSent) send(res, { status: 500, body: { error: 'Sandbox internal error' } })
      else res.destroy()
    })
  })

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(port, host, () => {
          server.off('error', reject)
          resolve(server.address() as AddressInfo)
        })
      })
    },
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        stopping.abort()
        if (!server.listening) return resolve()
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive sockets and hung requests would hold close() open: end them now.
        server.closeAllConnections()
      })
      return stopped
    },
  }
}
