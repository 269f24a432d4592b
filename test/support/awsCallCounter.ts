import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'

/** One call an AWS endpoint received, as the proxy in front of it saw it. */
export interface AwsCall {
  /** The API operation (`X-Amz-Target` without its service prefix), e.g. `PutItem`. */
  operation: string
  /** The table the call named (DynamoDB), when it named one. */
  table?: string
  startedMs: number
  endedMs: number
}

/**
 * A counting proxy in front of a local AWS endpoint (e.g. dynalite): every request is forwarded unchanged and
 * recorded with its operation and when it started and ended, so a test can count the calls a handler made and how
 * many of them ran one after the other.
 *
 * @example
 * const counter = await startAwsCallCounter(aws.endpoints.dynamodb)
 * process.env.AWS_ENDPOINT_URL_DYNAMODB = counter.url
 */
export async function startAwsCallCounter(target: string) {
  const upstream = new URL(target)
  const calls: AwsCall[] = []
  const server = createServer((req, res) => forward(req, res, upstream, calls))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    /** Forgets the calls seen so far. */
    reset: () => {
      calls.length = 0
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, calls: AwsCall[]): void {
  const startedMs = performance.now()
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks)
    const operation = String(req.headers['x-amz-target'] ?? 'unknown').replace(/^.*\./, '')
    let table: string | undefined
    try {
      table = (JSON.parse(body.toString('utf8')) as { TableName?: string }).TableName
    } catch {
      table = undefined
    }
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers)
        answer.pipe(res)
        answer.on('end', () => {
          calls.push({ operation, ...(table ? { table } : {}), startedMs, endedMs: performance.now() })
        })
      },
    )
    out.on('error', () => res.destroy())
    out.end(body)
  })
}

/**
 * How many of `calls` ran one after the other: the longest chain of calls where each started after the previous
 * one ended (calls that overlap ran side by side and count once).
 */
export function sequentialDepth(calls: readonly AwsCall[]): number {
  const sorted = [...calls].sort((a, b) => a.endedMs - b.endedMs)
  const depth: number[] = []
  sorted.forEach((call, i) => {
    let best = 0
    for (let j = 0; j < i; j++) {
      const before = sorted[j] as AwsCall
      if (before.endedMs <= call.startedMs) best = Math.max(best, depth[j] ?? 0)
    }
    depth.push(best + 1)
  })
  return Math.max(0, ...depth)
}
