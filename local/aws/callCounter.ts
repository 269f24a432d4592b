import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { close, listen } from './http'

/** One AWS API call seen by a {@link CallCounter} proxy: which service and action, when it arrived and ended. */
export interface CountedCall {
  /** The label given to {@link CallCounter.proxy} (`dynamodb`, `sqs`, `secretsManager`). */
  service: string
  /** The API action from `X-Amz-Target` (JSON protocols) or the `Action` form field (query protocol). */
  action: string
  /** ms since the counter started. */
  start: number
  end: number
}

/** Calls grouped as the bench and tests use them. */
export interface CallSummary {
  /** Every call, `service.action` → count. */
  byAction: Record<string, number>
  total: number
  /**
   * The longest chain of calls where each one started after the previous one ended: the AWS round trips on the
   * critical path. With a proxy delay larger than the client's scheduling jitter, calls issued together overlap and
   * count once.
   */
  sequential: number
}

/** A counting reverse proxy in front of local AWS endpoints. */
export interface CallCounter {
  /**
   * Starts a proxy that forwards to `target` (e.g. the local DynamoDB URL), counted as `service`; resolves its URL.
   * Request bodies that name the proxy's own URL (SQS `QueueUrl`s built on it) are forwarded naming `target`.
   */
  proxy(service: string, target: string): Promise<string>
  /** The calls counted since the start or the last {@link CallCounter.reset}, in arrival order. */
  calls(): CountedCall[]
  summary(): CallSummary
  reset(): void
  stop(): Promise<void>
}

/** Options of {@link startCallCounter}. */
export interface CallCounterOptions {
  /** Held before forwarding each request (default 0): makes concurrent calls overlap measurably. */
  delayMs?: number
}

/** The action a request names: `X-Amz-Target: DynamoDB_20120810.GetItem` → `GetItem`; else `Action=` of the body. */
function actionOf(req: IncomingMessage, body: Buffer): string {
  const target = req.headers['x-amz-target']
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1)
  const form = new URLSearchParams(body.toString('utf8'))
  return form.get('Action') ?? 'unknown'
}

/** The length of the longest chain of calls, each starting after the previous ended (greedy by end time). */
export function sequentialDepth(calls: readonly Pick<CountedCall, 'start' | 'end'>[]): number {
  let depth = 0
  let lastEnd = Number.NEGATIVE_INFINITY
  for (const call of [...calls].sort((a, b) => a.end - b.end)) {
    if (call.start >= lastEnd) {
      depth += 1
      lastEnd = call.end
    }
  }
  return depth
}

/** Summarises calls by action, with their total and {@link sequentialDepth}. */
export function summarizeCalls(calls: readonly CountedCall[]): CallSummary {
  const byAction: Record<string, number> = {}
  for (const call of calls) {
    const key = `${call.service}.${call.action}`
    byAction[key] = (byAction[key] ?? 0) + 1
  }
  return { byAction, total: calls.length, sequential: sequentialDepth(calls) }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Forwards one request to `target` with the same method, path, headers and body (the Host header too: the request is
 * signed with it, and local SQS resolves queue URLs by it); pipes the answer back.
 */
function forward(target: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const headers = { ...req.headers, 'content-length': String(body.length) }
    const options = { method: req.method, path: req.url, headers }
    const upstream = httpRequest(target, options, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
      answer.on('end', resolve)
      answer.on('error', () => resolve())
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502)
      res.end()
      resolve()
    })
    upstream.end(body)
  })
}

/**
 * Starts a call counter: each {@link CallCounter.proxy} is a loopback HTTP proxy in front of one local AWS
 * endpoint that records every request's action and timing (and can hold each request `delayMs`). Point the SDK at
 * the proxy (`AWS_ENDPOINT_URL_DYNAMODB=<proxy url>`) to count what code really sends, not what it is assumed to.
 *
 * @example
 * const counter = startCallCounter({ delayMs: 20 })
 * env.AWS_ENDPOINT_URL_DYNAMODB = await counter.proxy('dynamodb', aws.endpoints.dynamodb)
 * // ... run a handler ...
 * counter.summary() // { byAction: { 'dynamodb.PutItem': 1, ... }, total: 4, sequential: 3 }
 */
export function startCallCounter(options: CallCounterOptions = {}): CallCounter {
  const origin = performance.now()
  const servers: ReturnType<typeof createServer>[] = []
  let calls: CountedCall[] = []
  const delay = options.delayMs ?? 0
  const handle = async (
    service: string,
    target: URL,
    self: string,
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    const start = performance.now() - origin
    const raw = await readAll(req)
    const text = raw.toString('utf8')
    const body = text.includes(self) ? Buffer.from(text.replaceAll(self, target.origin)) : raw
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
    await forward(target, req, body, res)
    calls.push({ service, action: actionOf(req, body), start, end: performance.now() - origin })
  }
  return {
    async proxy(service, target) {
      const url = new URL(target)
      let self = ''
      const server = createServer((req, res) => void handle(service, url, self, req, res))
      servers.push(server)
      self = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`
      return self
    },
    calls: () => [...calls].sort((a, b) => a.start - b.start),
    summary: () => summarizeCalls(calls),
    reset: () => {
      calls = []
    },
    stop: async () => {
      await Promise.all(servers.splice(0).map((server) => close(server)))
    },
  }
}
