import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createSparkflyClient,
  createSparkflyClientWithTokenProvider,
  fetchTransport,
  SparkflyAuthenticationError,
  type SparkflyClientConfig,
  SparkflyConnectionError,
  SparkflyInvalidArgumentError,
  type SparkflyTransport,
} from '../../../lib/sparkfly'
import {
  bodies,
  empty,
  fakeSecretReader,
  fakeTransport,
  json,
  memoryLogger,
  type SeenRequest,
} from './helpers'

const BASE = 'http://sparkfly.test/v1.0'
const IDENTITY = 'acct-identity-7788'
const KEY = 'key_super_secret_ABCDEF123456'

/**
 * A fake Sparkfly that mints tokens at /auth (root) and accepts only the latest token, unless told to reject.
 */
function fakeSparkfly(options: { rejectAll?: boolean; authDelayMs?: number; apiDelayMs?: number } = {}) {
  let minted = 0
  let valid = new Set<string>()
  const handler = async (request: SeenRequest): Promise<Response> => {
    if (request.url.pathname === '/auth') {
      if (options.authDelayMs) await new Promise((r) => setTimeout(r, options.authDelayMs))
      if (request.headers['X-Auth-Identity'] !== IDENTITY || request.headers['X-Auth-Key'] !== KEY) {
        return json(401, { error: 'Invalid credentials' })
      }
      minted += 1
      const token = `tok_minted_${minted}_abcdef`
      valid.add(token)
      return empty(204, { 'x-auth-token': token })
    }
    if (options.apiDelayMs) await new Promise((r) => setTimeout(r, options.apiDelayMs))
    const token = request.headers['X-Auth-Token'] ?? ''
    if (options.rejectAll || !valid.has(token)) {
      // A hostile body echoing the token: the client must scrub it.
      return json(401, { error: `token ${token} is not valid` })
    }
    return json(200, bodies.credential())
  }
  const fake = fakeTransport(handler)
  return {
    ...fake,
    authCalls: () => fake.requests.filter((r) => r.url.pathname === '/auth'),
    apiCalls: () => fake.requests.filter((r) => r.url.pathname !== '/auth'),
    revoke: () => {
      valid = new Set()
    },
  }
}

function secretClient(
  secretValues: unknown[],
  sparkfly = fakeSparkfly(),
  extra: Partial<SparkflyClientConfig> = {},
) {
  const secrets = fakeSecretReader(secretValues)
  const log = memoryLogger()
  const client = createSparkflyClient({
    secretId: 'test/sparkfly',
    baseUrl: BASE,
    secretReader: secrets.reader,
    transport: sparkfly.transport,
    logger: log.logger,
    retryBaseDelayMs: 1,
    ...extra,
  })
  return { client, sparkfly, secrets, logs: log.records }
}

describe('createSparkflyClient: auth from the secret', () => {
  it('mints a token at /auth with identity and key (POST by default) and uses it', async () => {
    const { client, sparkfly } = secretClient([{ identity: IDENTITY, key: KEY }])
    await expect(client.credentials.get(578)).resolves.toMatchObject({ id: 578 })
    const [auth] = sparkfly.authCalls()
    expect(auth?.method).toBe('POST')
    expect(auth?.url.toString()).toBe('http://sparkfly.test/auth')
    expect(auth?.headers['X-Auth-Token']).toBeUndefined()
    expect(sparkfly.apiCalls()[0]?.headers['X-Auth-Token']).toBe('tok_minted_1_abcdef')
  })

  it('can mint with GET', async () => {
    const { client, sparkfly } = secretClient([{ identity: IDENTITY, key: KEY }], fakeSparkfly(), {
      authMethod: 'GET',
    })
    await client.credentials.get(1)
    expect(sparkfly.authCalls()[0]?.method).toBe('GET')
  })

  it('falls back to <baseUrl>/auth when the root answers 404', async () => {
    const fake = fakeTransport((request) => {
      if (request.url.pathname === '/auth') return empty(404)
      if (request.url.pathname === '/v1.0/auth') return empty(204, { 'x-auth-token': 'tok_versioned_auth' })
      return json(200, bodies.credential())
    })
    const client = createSparkflyClient({
      secretId: 's',
      baseUrl: BASE,
      secretReader: fakeSecretReader([{ identity: IDENTITY, key: KEY }]).reader,
      transport: fake.transport,
      logger: memoryLogger().logger,
    })
    await client.credentials.get(1)
    // At the root: POST, then GET (the method changes once on 404/405); then <baseUrl>/auth answers.
    expect(fake.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'POST /auth',
      'GET /auth',
      'POST /v1.0/auth',
      'GET /v1.0/credentials/1',
    ])
    expect(fake.requests[3]?.headers['X-Auth-Token']).toBe('tok_versioned_auth')
  })

  it('uses a {"token"} secret as is, and its baseUrl over the configured one', async () => {
    const fake = fakeTransport(() => json(200, bodies.credential()))
    const client = createSparkflyClient({
      secretId: 's',
      baseUrl: BASE,
      secretReader: fakeSecretReader([{ token: 'tok_from_secret', baseUrl: 'http://other.test/v1.0' }])
        .reader,
      transport: fake.transport,
      logger: memoryLogger().logger,
    })
    await client.credentials.get(1)
    expect(fake.requests).toHaveLength(1)
    expect(fake.requests[0]?.url.toString()).toBe('http://other.test/v1.0/credentials/1')
    expect(fake.requests[0]?.headers['X-Auth-Token']).toBe('tok_from_secret')
  })

  it('rejects a secret of the wrong shape without echoing it', async () => {
    const { client, sparkfly } = secretClient([{ password: 'p4ssw0rd-value' }])
    const error = await client.credentials.get(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyAuthenticationError)
    expect((error as Error).message).toContain('test/sparkfly')
    expect((error as Error).message).not.toContain('p4ssw0rd-value')
    expect(sparkfly.requests).toHaveLength(0)
  })

  it('shares one secret read and one /auth among 100 concurrent first calls', async () => {
    const { client, sparkfly, secrets } = secretClient(
      [{ identity: IDENTITY, key: KEY }],
      fakeSparkfly({ authDelayMs: 20 }),
    )
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => client.credentials.get(i + 1)))
    expect(results).toHaveLength(100)
    expect(secrets.reads).toHaveLength(1)
    expect(sparkfly.authCalls()).toHaveLength(1)
    expect(sparkfly.apiCalls()).toHaveLength(100)
  })

  it('keeps secret and token across calls', async () => {
    const { client, sparkfly, secrets } = secretClient([{ identity: IDENTITY, key: KEY }])
    await client.credentials.get(1)
    await client.credentials.get(2)
    await client.offerStates.list(3).catch(() => undefined)
    expect(secrets.reads).toHaveLength(1)
    expect(sparkfly.authCalls()).toHaveLength(1)
  })
})

describe('401 handling', () => {
  it('re-reads the secret and re-mints once after a 401, then succeeds', async () => {
    const { client, sparkfly, secrets } = secretClient([{ identity: IDENTITY, key: KEY }])
    await client.credentials.get(1)
    sparkfly.revoke()
    await expect(client.credentials.get(2)).resolves.toMatchObject({ id: 578 })
    expect(secrets.reads).toEqual([
      { secretId: 'test/sparkfly', forceFetch: false },
      { secretId: 'test/sparkfly', forceFetch: true },
    ])
    expect(sparkfly.authCalls()).toHaveLength(2)
    expect(sparkfly.apiCalls().map((r) => r.headers['X-Auth-Token'])).toEqual([
      'tok_minted_1_abcdef',
      'tok_minted_1_abcdef',
      'tok_minted_2_abcdef',
    ])
  })

  it('re-reads a rotated {"token"} secret after a 401', async () => {
    const fake = fakeTransport((request) =>
      request.headers['X-Auth-Token'] === 'tok_rotated_new' ? json(200, bodies.credential()) : empty(401),
    )
    const secrets = fakeSecretReader([{ token: 'tok_rotated_old' }, { token: 'tok_rotated_new' }])
    const client = createSparkflyClient({
      secretId: 's',
      baseUrl: BASE,
      secretReader: secrets.reader,
      transport: fake.transport,
      logger: memoryLogger().logger,
    })
    await expect(client.credentials.get(1)).resolves.toMatchObject({ id: 578 })
    expect(secrets.reads.map((r) => r.forceFetch)).toEqual([false, true])
    expect(fake.requests).toHaveLength(2)
  })

  it('throws SparkflyAuthenticationError on a second 401 after exactly one re-mint', async () => {
    const { client, sparkfly } = secretClient(
      [{ identity: IDENTITY, key: KEY }],
      fakeSparkfly({ rejectAll: true }),
    )
    const error = await client.offerStates.issue({ campaign_id: 'x', member_id: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyAuthenticationError)
    expect(error).toMatchObject({ status: 401, operation: 'offerStates.issue', retryable: true })
    expect(sparkfly.authCalls()).toHaveLength(2)
    expect(sparkfly.apiCalls()).toHaveLength(2)
  })

  it('re-mints once when 100 in-flight calls all hit 401 (expired token)', async () => {
    const { client, sparkfly } = secretClient(
      [{ identity: IDENTITY, key: KEY }],
      fakeSparkfly({ apiDelayMs: 5 }),
    )
    await client.credentials.get(1)
    sparkfly.revoke()
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => client.credentials.get(i + 1)))
    expect(results.every((r) => r.id === 578)).toBe(true)
    expect(sparkfly.authCalls()).toHaveLength(2)
  })

  it('rejects bad identity/key with an authentication error', async () => {
    const { client, sparkfly } = secretClient([{ identity: IDENTITY, key: 'wrong-key-000000' }])
    const error = await client.credentials.get(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyAuthenticationError)
    expect(error).toMatchObject({ operation: 'auth', status: 401 })
    expect(sparkfly.apiCalls()).toHaveLength(0)
  })

  it('refreshes a token provider once with forceRefresh', async () => {
    const calls: boolean[] = []
    const fake = fakeTransport((request) =>
      request.headers['X-Auth-Token'] === 'tok_provider_2' ? json(200, bodies.credential()) : empty(401),
    )
    const client = createSparkflyClientWithTokenProvider({
      baseUrl: BASE,
      tokenProvider: ({ forceRefresh }) => {
        calls.push(forceRefresh)
        return `tok_provider_${calls.length}`
      },
      transport: fake.transport,
      logger: memoryLogger().logger,
    })
    await expect(client.credentials.get(1)).resolves.toMatchObject({ id: 578 })
    expect(calls).toEqual([false, true])
  })
})

describe('secrets never leak', () => {
  it('keeps token, identity and key out of every error message and log line', async () => {
    const { client, sparkfly, logs } = secretClient(
      [{ identity: IDENTITY, key: KEY }],
      fakeSparkfly({ rejectAll: true }),
    )
    const errors: unknown[] = []
    errors.push(await client.credentials.get(1).catch((e: unknown) => e))
    errors.push(await client.offerStates.void(1, 2).catch((e: unknown) => e))
    const minted = sparkfly.authCalls().length
    expect(minted).toBeGreaterThan(0)
    const tokens = Array.from({ length: minted }, (_, i) => `tok_minted_${i + 1}_abcdef`)
    const emitted = [
      JSON.stringify(logs),
      ...errors.map((e) => `${(e as Error).message} ${JSON.stringify(e)} ${String((e as Error).stack)}`),
    ].join('\n')
    expect(errors.every((e) => e instanceof SparkflyAuthenticationError)).toBe(true)
    for (const secret of [...tokens, KEY]) expect(emitted).not.toContain(secret)
    expect(emitted).toContain('[REDACTED]')
  })
})

describe('configuration', () => {
  it('throws on unknown options', () => {
    expect(() =>
      createSparkflyClient({ secretId: 's', timeout: 1 } as unknown as SparkflyClientConfig),
    ).toThrow(SparkflyInvalidArgumentError)
    expect(() =>
      createSparkflyClient({ secretId: 's', timeout: 1 } as unknown as SparkflyClientConfig),
    ).toThrow(/unknown option\(s\): timeout/)
    expect(() =>
      createSparkflyClientWithTokenProvider({
        baseUrl: BASE,
        tokenProvider: () => 't',
        secretId: 'x',
      } as never),
    ).toThrow(/secretId/)
  })

  it('rejects invalid values', () => {
    expect(() => createSparkflyClient({ secretId: '' })).toThrow(/secretId/)
    expect(() => createSparkflyClient({ secretId: 's', timeoutMs: 60_000 })).toThrow(/timeoutMs/)
    expect(() => createSparkflyClient({ secretId: 's', baseUrl: 'ftp://x' })).toThrow(/baseUrl/)
    expect(() => createSparkflyClient({ secretId: 's', authMethod: 'PUT' as 'GET' })).toThrow(/authMethod/)
  })
})

describe('real sockets', () => {
  let server: Server | undefined
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = undefined
  })

  async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler)
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
    return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/v1.0`
  }

  function counting(transport: SparkflyTransport) {
    const urls: string[] = []
    const wrapped: SparkflyTransport = (url, init) => {
      urls.push(url)
      return transport(url, init)
    }
    return { wrapped, urls }
  }

  function socketClosingServer() {
    let seen = 0
    const handler: Parameters<typeof createServer>[1] = (req, res) => {
      seen += 1
      if (seen === 1) {
        req.socket.destroy()
        return
      }
      const body = req.url?.endsWith('/issue') ? bodies.issued() : bodies.offerState()
      res.writeHead(req.url?.endsWith('/issue') ? 201 : 200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    return { handler, seen: () => seen }
  }

  it('does not replay an issue whose socket closed after the request was written (applied: maybe)', async () => {
    const server = socketClosingServer()
    const baseUrl = await listen(server.handler)
    const { wrapped, urls } = counting(fetchTransport)
    const client = createSparkflyClientWithTokenProvider({
      baseUrl,
      tokenProvider: () => 'tok_socket',
      transport: wrapped,
      logger: memoryLogger().logger,
    })
    const error = await client.offerStates.issue({ campaign_id: 'x', member_id: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyConnectionError)
    expect(error).toMatchObject({ applied: 'maybe', retryable: true, operation: 'offerStates.issue' })
    expect(urls).toHaveLength(1)
    expect(server.seen()).toBe(1)
  })

  it('replays a read once when the socket is closed before any response byte, even with maxRetries 0', async () => {
    const server = socketClosingServer()
    const baseUrl = await listen(server.handler)
    const { wrapped, urls } = counting(fetchTransport)
    const client = createSparkflyClientWithTokenProvider({
      baseUrl,
      tokenProvider: () => 'tok_socket',
      transport: wrapped,
      maxRetries: 0,
      logger: memoryLogger().logger,
    })
    await expect(client.offerStates.get(2, 7)).resolves.toMatchObject({ offer_state_id: 7 })
    expect(urls).toHaveLength(2)
    expect(server.seen()).toBe(2)
  })

  it('reports a refused connection as a connection error after the allowed retries', async () => {
    const baseUrl = await listen(() => undefined)
    await new Promise<void>((resolve) => server!.close(() => resolve()))
    server = undefined
    const { wrapped, urls } = counting(fetchTransport)
    const client = createSparkflyClientWithTokenProvider({
      baseUrl,
      tokenProvider: () => 'tok_socket',
      transport: wrapped,
      maxRetries: 1,
      retryBaseDelayMs: 1,
      logger: memoryLogger().logger,
    })
    const error = await client.offerStates.void(1, 2).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyConnectionError)
    // Nothing was sent, so even this unsafe void was retried, and the error says Sparkfly did not act.
    expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true, applied: 'no' })
    expect(urls).toHaveLength(2)
  })
})
