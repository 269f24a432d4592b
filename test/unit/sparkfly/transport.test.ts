import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { classifyNetworkError, FAILURE_KINDS } from '../../../lib/sparkfly/retry'
import { nodeHttpTransport, SparkflyAnswerInterruptedError } from '../../../lib/sparkfly/transport'

let server: Server | undefined
afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined))
  server = undefined
})

async function serve(listener: RequestListener): Promise<string> {
  server = createServer(listener)
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const send = (url: string, init: { method?: 'GET' | 'POST'; body?: string } = {}) =>
  nodeHttpTransport(url, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json' },
    body: init.body,
    signal: AbortSignal.timeout(5_000),
  })

describe('nodeHttpTransport', () => {
  it('answers a Response with status, headers and body, over one kept-alive connection', async () => {
    // given a server that echoes the request body and counts its connections
    let connections = 0
    const baseUrl = await serve((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        res.writeHead(201, { 'x-request-id': 'req-1', 'content-type': 'application/json' })
        res.end(Buffer.concat(chunks))
      })
    })
    server!.on('connection', () => connections++)

    // when two calls are made one after the other
    const first = await send(`${baseUrl}/a`, { method: 'POST', body: '{"n":"é"}' })
    const second = await send(`${baseUrl}/b`, { method: 'POST', body: '{}' })

    // then each gets its answer, and the second reused the first's connection
    expect(first.status).toBe(201)
    expect(first.headers.get('x-request-id')).toBe('req-1')
    expect(await first.text()).toBe('{"n":"é"}')
    expect(await second.text()).toBe('{}')
    expect(connections).toBe(1)
  })

  it('answers a bodiless 204', async () => {
    const baseUrl = await serve((_req, res) => res.writeHead(204).end())
    const response = await send(baseUrl)
    expect(response.status).toBe(204)
    expect(await response.text()).toBe('')
  })

  it('rejects an answer cut after its status line as interrupted, never as a reset before any byte', async () => {
    // given a server that starts an answer and destroys the socket
    const baseUrl = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('{"partial":')
      setTimeout(() => res.socket?.destroy(), 10)
    })

    // then the call fails as interrupted, a plain network error (Sparkfly may have acted)
    const error = await send(baseUrl).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyAnswerInterruptedError)
    expect(classifyNetworkError(error)).toBe(FAILURE_KINDS.networkError)
  })

  it('rejects a refused connection with the socket code in its cause chain', async () => {
    // given a port nobody listens on
    const baseUrl = await serve(() => undefined)
    server!.close()

    // then the failure is a connect failure (nothing reached Sparkfly)
    const error = await send(baseUrl).catch((e: unknown) => e)
    expect(classifyNetworkError(error)).toBe(FAILURE_KINDS.connectFailed)
  })
})
