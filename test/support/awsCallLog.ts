import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One AWS call as the local server saw it: which API action, when it started and ended (ms, monotonic). */
export interface AwsCall {
  service: string
  action: string
  startMs: number
  endMs: number
}

/** A counting proxy in front of one local AWS endpoint. */
export interface AwsCallLog {
  /** The proxy's endpoint, to use instead of the server's. */
  url: string
  calls: AwsCall[]
  stop(): Promise<void>
}

/**
 * Starts an HTTP proxy in front of `target` (a local dynalite or fauxqs endpoint) that forwards every request
 * (queue URLs naming the proxy given back their server's origin) and logs its API action (the `X-Amz-Target`
 * header of the JSON protocols) with its start and end.
 * Several logs can share one `calls` array to see the calls of several services on one time line. An
 * `answerDelayMs` holds every answer back (a network's latency), so calls sent side by side surely overlap.
 */
export async function startAwsCallLog(
  service: string,
  target: string,
  calls: AwsCall[] = [],
  options: { answerDelayMs?: number } = {},
): Promise<AwsCallLog> {
  const upstream = new URL(target)
  let self = ''
  const server: Server = createServer(async (req, res) => {
    const startMs = performance.now()
    const action =
      String(req.headers['x-amz-target'] ?? req.url ?? '')
        .split('.')
        .pop() ?? ''
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    // Queue URLs that name the proxy (the SQS client sends to a queue URL's host) are given back their server.
    const body = Buffer.from(Buffer.concat(chunks).toString('utf8').split(self).join(upstream.origin))
    const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      async (answer) => {
        await new Promise((resolve) => setTimeout(resolve, options.answerDelayMs ?? 0))
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
        answer.on('end', () => calls.push({ service, action, startMs, endMs: performance.now() }))
      },
    )
    forward.on('error', () => res.destroy())
    forward.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  self = `http://127.0.0.1:${port}`
  return {
    url: self,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * How many of `calls` ran one after another: the longest chain of calls each of which started after the previous
 * one ended. Calls that overlap (sent side by side) count once.
 */
export function sequentialCalls(calls: readonly AwsCall[]): number {
  const byEnd = [...calls].sort((a, b) => a.endMs - b.endMs)
  const depth: number[] = []
  byEnd.forEach((call, i) => {
    let best = 0
    for (let j = 0; j < i; j++) {
      const before = byEnd[j] as AwsCall
      if (before.endMs <= call.startMs) best = Math.max(best, depth[j] ?? 0)
    }
    depth.push(best + 1)
  })
  return Math.max(0, ...depth)
}
