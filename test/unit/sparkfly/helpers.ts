import type { SecretReader } from '../../../lib/aws/secrets'
import type { SparkflyLogger, SparkflyTransport } from '../../../lib/sparkfly'

/** A request as the fake transport saw it. */
export interface SeenRequest {
  url: URL
  method: string
  headers: Record<string, string>
  body?: unknown
  at: number
}

type Reply = Response | Error | 'hang'

/**
 * A transport that records every request and answers with `handler`. Returning an Error makes the
 * transport reject (like fetch without a response); 'hang' waits until the request is aborted.
 */
export function fakeTransport(handler: (request: SeenRequest, index: number) => Reply | Promise<Reply>) {
  const requests: SeenRequest[] = []
  const transport: SparkflyTransport = async (url, init) => {
    const seen: SeenRequest = {
      url: new URL(url),
      method: init.method,
      headers: { ...init.headers },
      body: init.body === undefined ? undefined : JSON.parse(init.body),
      at: Date.now(),
    }
    requests.push(seen)
    const reply = await handler(seen, requests.length - 1)
    if (reply === 'hang') {
      return new Promise<Response>((_resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true })
      })
    }
    if (reply instanceof Error) throw reply
    return reply
  }
  return { transport, requests }
}

/** A JSON answer with an X-Request-Id. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-test', ...headers },
  })
}

/** An empty answer (e.g. the 200 of a void, the 204 of /auth). */
export function empty(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers: { 'x-request-id': 'req-test', ...headers } })
}

/** The error fetch throws when the connection fails with `code`. */
export function networkError(code: string): TypeError {
  const cause = Object.assign(new Error(`socket failure ${code}`), { code })
  return new TypeError('fetch failed', { cause })
}

/** A logger that keeps every record. */
export function memoryLogger() {
  const records: { level: string; message: string; attributes: Record<string, unknown> }[] = []
  const at =
    (level: string) =>
    (message: string, attributes: Record<string, unknown>): void => {
      records.push({ level, message, attributes })
    }
  const logger: SparkflyLogger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  }
  return { logger, records }
}

/** A secret reader serving `values` in turn (the last one repeats), counting reads. */
export function fakeSecretReader(values: unknown[], delayMs = 5) {
  const reads: { secretId: string; forceFetch: boolean }[] = []
  let inFlight: Promise<unknown> | undefined
  let served = 0
  const reader: SecretReader = {
    async getJson<T>(secretId: string, options?: { forceFetch?: boolean }): Promise<T> {
      // Single-flight like the real reader, so the counts reflect what the client asks for.
      if (inFlight) return (await inFlight) as T
      reads.push({ secretId, forceFetch: options?.forceFetch ?? false })
      const value = values[Math.min(served, values.length - 1)]
      served += 1
      inFlight = new Promise((resolve) => setTimeout(() => resolve(value), delayMs))
      try {
        return (await inFlight) as T
      } finally {
        inFlight = undefined
      }
    },
  }
  return { reader, reads }
}

/** Bodies the fake Sparkfly answers with. */
export const bodies = {
  credential: (id = 578, extra: Record<string, unknown> = {}) => ({
    credential: { id, identifier: '3540', member_id: 1009, offer_ids: [1701], store_id: null, ...extra },
    errors: {},
  }),
  offerState: (id = 7, extra: Record<string, unknown> = {}) => ({
    offer_state: { offer_state_id: id, offer_id: 3, member_id: 2, status: 'incomplete', ...extra },
    errors: {},
  }),
  issued: (id = 10000) => ({
    offer_state: {
      id,
      member_id: 20000,
      offer_id: 100,
      campaign_id: 'cmp-xid',
      credential_identifier: 'VK32',
    },
  }),
}
