import { describe, expect, it } from 'vitest'
import type { SecretReader } from '../../../lib/aws/secrets'
import { createSparkflyClient, SparkflyAuthenticationError } from '../../../lib/sparkfly'
import { bodies, empty, fakeTransport, json, memoryLogger, type SeenRequest } from './helpers'

const BASE = 'http://sparkfly.test/v1.0'
const IDENTITY = 'acct-identity-4242'
const KEY = 'key_recovery_secret_998877'

/** A secret reader holding several secrets by id; `set` changes one (a rotation), reads are recorded. */
function secretStore(initial: Record<string, unknown>) {
  const values = new Map(Object.entries(initial))
  const reads: { secretId: string; forceFetch: boolean }[] = []
  const reader: SecretReader = {
    async getJson<T>(secretId: string, options?: { forceFetch?: boolean }): Promise<T> {
      reads.push({ secretId, forceFetch: options?.forceFetch ?? false })
      if (!values.has(secretId)) throw new Error(`no secret ${secretId}`)
      return values.get(secretId) as T
    },
  }
  return { reader, reads, set: (id: string, value: unknown) => values.set(id, value) }
}

/** A fake Sparkfly: /auth mints with IDENTITY/KEY (by `authMethods` only, else 405); only minted tokens work. */
function fakeSparkfly(options: { authMethods?: string[]; accept?: string[] } = {}) {
  let minted = 0
  const valid = new Set<string>(options.accept)
  const fake = fakeTransport((request: SeenRequest) => {
    if (request.url.pathname.endsWith('/auth')) {
      if (!(options.authMethods ?? ['GET', 'POST']).includes(request.method)) return empty(405)
      if (request.headers['X-Auth-Identity'] !== IDENTITY || request.headers['X-Auth-Key'] !== KEY) {
        return json(401, { error: 'Invalid credentials' })
      }
      minted += 1
      const token = `tok_fresh_${minted}_xyz`
      valid.add(token)
      return empty(204, { 'x-auth-token': token })
    }
    return valid.has(request.headers['X-Auth-Token'] ?? '') ? json(200, bodies.credential()) : empty(401)
  })
  return {
    ...fake,
    authCalls: () => fake.requests.filter((r) => r.url.pathname.endsWith('/auth')),
    apiTokens: () =>
      fake.requests.filter((r) => !r.url.pathname.endsWith('/auth')).map((r) => r.headers['X-Auth-Token']),
    revokeAll: () => valid.clear(),
    accept: (token: string) => valid.add(token),
  }
}

function client(
  store: ReturnType<typeof secretStore>,
  sparkfly: ReturnType<typeof fakeSparkfly>,
  extra: { credentialsSecretId?: string; authMethod?: 'GET' | 'POST' } = {},
) {
  return createSparkflyClient({
    secretId: 'sparkfly/token',
    baseUrl: BASE,
    secretReader: store.reader,
    transport: sparkfly.transport,
    logger: memoryLogger().logger,
    retryBaseDelayMs: 1,
    ...extra,
  })
}

describe('token recovery after a 401', () => {
  it('identity + key + a cached token: uses the token first, and mints on 401 (the token is a cache)', async () => {
    const store = secretStore({
      'sparkfly/token': { identity: IDENTITY, key: KEY, token: 'tok_cached_stale' },
    })
    const sparkfly = fakeSparkfly()
    await expect(client(store, sparkfly).credentials.get(1)).resolves.toMatchObject({ id: 578 })
    expect(sparkfly.apiTokens()).toEqual(['tok_cached_stale', 'tok_fresh_1_xyz'])
    expect(sparkfly.authCalls()).toHaveLength(1)
  })

  it('token only, refused and still the same after a re-read: mints through the credentials secret', async () => {
    const store = secretStore({
      'sparkfly/token': { token: 'tok_revoked_one' },
      'sparkfly/credentials': { identity: IDENTITY, key: KEY },
    })
    const sparkfly = fakeSparkfly()
    const api = client(store, sparkfly, { credentialsSecretId: 'sparkfly/credentials' })
    await expect(api.credentials.get(1)).resolves.toMatchObject({ id: 578 })
    expect(store.reads).toEqual([
      { secretId: 'sparkfly/token', forceFetch: false },
      { secretId: 'sparkfly/token', forceFetch: true },
      { secretId: 'sparkfly/credentials', forceFetch: true },
    ])
    expect(sparkfly.apiTokens()).toEqual(['tok_revoked_one', 'tok_fresh_1_xyz'])
    // The minted token is kept: the next call neither reads a secret nor mints.
    await api.credentials.get(2)
    expect(store.reads).toHaveLength(3)
    expect(sparkfly.authCalls()).toHaveLength(1)
  })

  it('token only, refused, and the re-read secret holds a newer token: uses it without minting', async () => {
    const store = secretStore({
      'sparkfly/token': { token: 'tok_first' },
      'sparkfly/credentials': { identity: IDENTITY, key: KEY },
    })
    const sparkfly = fakeSparkfly({ accept: ['tok_first'] })
    const api = client(store, sparkfly, { credentialsSecretId: 'sparkfly/credentials' })
    await api.credentials.get(1)
    // The rotation stores a new token; Sparkfly stops taking the old one.
    sparkfly.revokeAll()
    sparkfly.accept('tok_second')
    store.set('sparkfly/token', { token: 'tok_second' })
    await expect(api.credentials.get(2)).resolves.toMatchObject({ id: 578 })
    expect(sparkfly.apiTokens()).toEqual(['tok_first', 'tok_first', 'tok_second'])
    expect(sparkfly.authCalls()).toHaveLength(0)
    expect(store.reads.map((r) => r.secretId)).toEqual(['sparkfly/token', 'sparkfly/token'])
  })

  it('token only, refused, no credentials secret: a clear, retryable authentication error without the token', async () => {
    const store = secretStore({ 'sparkfly/token': { token: 'tok_revoked_one' } })
    const sparkfly = fakeSparkfly()
    const error = await client(store, sparkfly)
      .credentials.get(1)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyAuthenticationError)
    expect(error).toMatchObject({ retryable: true, applied: 'no' })
    expect((error as Error).message).toMatch(/SPARKFLY_CREDENTIALS_SECRET_ID/)
    expect((error as Error).message).toMatch(/token rotation/)
    expect((error as Error).message).not.toContain('tok_revoked_one')
    expect(sparkfly.authCalls()).toHaveLength(0)
  })
})

describe('/auth method (GET in one spec, POST in the other)', () => {
  it('changes method once on 405 and remembers the one that worked', async () => {
    const store = secretStore({ 'sparkfly/token': { identity: IDENTITY, key: KEY } })
    const sparkfly = fakeSparkfly({ authMethods: ['GET'] })
    const api = client(store, sparkfly)
    await api.credentials.get(1)
    expect(sparkfly.authCalls().map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'POST /auth',
      'GET /auth',
    ])
    sparkfly.revokeAll()
    await expect(api.credentials.get(2)).resolves.toMatchObject({ id: 578 })
    expect(sparkfly.authCalls().map((r) => r.method)).toEqual(['POST', 'GET', 'GET'])
  })

  it('changes method on 404 too, before trying another URL', async () => {
    const fake = fakeTransport((request) => {
      if (request.url.pathname === '/auth')
        return request.method === 'POST' ? empty(204, { 'x-auth-token': 'tok_post' }) : empty(404)
      return json(200, bodies.credential())
    })
    const api = createSparkflyClient({
      secretId: 's',
      baseUrl: BASE,
      authMethod: 'GET',
      secretReader: secretStore({ s: { identity: IDENTITY, key: KEY } }).reader,
      transport: fake.transport,
      logger: memoryLogger().logger,
    })
    await api.credentials.get(1)
    expect(fake.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'GET /auth',
      'POST /auth',
      'GET /v1.0/credentials/1',
    ])
  })
})
