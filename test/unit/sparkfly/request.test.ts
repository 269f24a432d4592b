import { describe, expect, it } from 'vitest'
import {
  createSparkflyClientWithTokenProvider,
  type SparkflyClient,
  type SparkflyClientCommonOptions,
  SparkflyConflictError,
  SparkflyConnectionError,
  SparkflyContractError,
  SparkflyNotFoundError,
  SparkflyRateLimitError,
  SparkflyServerError,
  SparkflyTimeoutError,
  type SparkflyTransport,
  SparkflyValidationError,
} from '../../../lib/sparkfly'
import { bodies, empty, fakeTransport, json, memoryLogger, networkError, type SeenRequest } from './helpers'

const BASE = 'http://sparkfly.test/v1.0'
const TOKEN = 'tok_request_layer_secret_value'

type Handler = (
  request: SeenRequest,
  index: number,
) => Response | Error | 'hang' | Promise<Response | Error | 'hang'>

function clientWith(handler: Handler, options: SparkflyClientCommonOptions = {}) {
  const fake = fakeTransport(handler)
  const log = memoryLogger()
  const client = createSparkflyClientWithTokenProvider({
    baseUrl: BASE,
    tokenProvider: () => TOKEN,
    transport: fake.transport,
    logger: log.logger,
    retryBaseDelayMs: 1,
    retryMaxDelayMs: 5,
    ...options,
  })
  return { client, requests: fake.requests, logs: log.records }
}

/** A success body for any operation (void endpoints ignore it). */
function ok(request: SeenRequest): Response {
  const path = request.url.pathname
  if (path.endsWith('/issue')) return json(201, bodies.issued())
  if (path === '/v1.0/credentials/eligible') return json(200, { is_eligible: true })
  if (path === '/v1.0/credentials' && request.method === 'GET') return json(200, { credentials: [] })
  if (path.startsWith('/v1.0/credentials')) return json(200, bodies.credential())
  if (/\/members\/\d+\/offer_states$/.test(path) && request.method === 'GET')
    return json(200, { offer_states: [] })
  if (path.endsWith('/void')) return empty(200)
  return json(200, bodies.offerState())
}

type Op = [string, (client: SparkflyClient) => Promise<unknown>]

const idempotentOps: Op[] = [
  ['credentials.get', (c) => c.credentials.get(1)],
  ['credentials.list', (c) => c.credentials.list()],
  ['credentials.update', (c) => c.credentials.update(1, { store_id: 2 })],
  ['credentials.delete', (c) => c.credentials.delete(1)],
  ['credentials.eligibility', (c) => c.credentials.eligibility(1, 2)],
  ['offerStates.get', (c) => c.offerStates.get(1, 2)],
  ['offerStates.list', (c) => c.offerStates.list(1)],
  ['offerStates.getByOffer', (c) => c.offerStates.getByOffer(1, 2)],
  ['offerStates.query', (c) => c.offerStates.query({ token: 'osid' })],
  ['offerStates.update', (c) => c.offerStates.update(1, 2, { value: 1 })],
]

const unsafeOps: Op[] = [
  ['credentials.create', (c) => c.credentials.create({ member_id: 1, channel_id: 2 })],
  ['credentials.redeem', (c) => c.credentials.redeem(1)],
  ['credentials.void', (c) => c.credentials.void(1)],
  ['offerStates.issue', (c) => c.offerStates.issue({ campaign_id: 'x', member_id: 1 })],
  ['offerStates.createFromQuery', (c) => c.offerStates.createFromQuery({ offer_id: 1 })],
  ['offerStates.issueForMember', (c) => c.offerStates.issueForMember(1, { offer_id: 2 })],
  ['offerStates.redeem', (c) => c.offerStates.redeem(1, 2)],
  ['offerStates.void', (c) => c.offerStates.void(1, 2)],
  ['offerStates.voidByMemberIdentifier', (c) => c.offerStates.voidByMemberIdentifier(2, 'ext-1')],
]

describe('retry decisions', () => {
  it('covers all 19 operations between the two tables', () => {
    expect(idempotentOps.length + unsafeOps.length).toBe(19)
  })

  describe.each(idempotentOps)('idempotent %s', (_name, call) => {
    it('retries a 500 and a 503, then succeeds', async () => {
      const { client, requests } = clientWith((r, i) =>
        i === 0 ? json(500, {}) : i === 1 ? json(503, {}) : ok(r),
      )
      await expect(call(client)).resolves.toBeDefined()
      expect(requests).toHaveLength(3)
    })

    it('retries a timeout', async () => {
      const { client, requests } = clientWith((r, i) => (i === 0 ? 'hang' : ok(r)), { timeoutMs: 30 })
      await expect(call(client)).resolves.toBeDefined()
      expect(requests).toHaveLength(2)
    })

    it('retries an unknown network error', async () => {
      const { client, requests } = clientWith((r, i) =>
        i === 0 ? networkError('UND_ERR_HEADERS_TIMEOUT') : ok(r),
      )
      await expect(call(client)).resolves.toBeDefined()
      expect(requests).toHaveLength(2)
    })
  })

  describe.each(unsafeOps)('unsafe %s', (_name, call) => {
    it('does not replay a 500', async () => {
      const { client, requests } = clientWith((r, i) => (i === 0 ? json(500, { error: 'boom' }) : ok(r)))
      const error = await call(client).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SparkflyServerError)
      expect(error).toMatchObject({ retryable: true, status: 500, applied: 'maybe' })
      expect(requests).toHaveLength(1)
    })

    it('does not replay a 503', async () => {
      const { client, requests } = clientWith((r, i) => (i === 0 ? json(503, {}) : ok(r)))
      await expect(call(client)).rejects.toBeInstanceOf(SparkflyServerError)
      expect(requests).toHaveLength(1)
    })

    it('does not replay a timeout', async () => {
      const { client, requests } = clientWith((r, i) => (i === 0 ? 'hang' : ok(r)), { timeoutMs: 30 })
      const error = await call(client).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SparkflyTimeoutError)
      expect(error).toMatchObject({ applied: 'maybe' })
      expect(requests).toHaveLength(1)
    })

    it('replays a 429 (Sparkfly did nothing)', async () => {
      const { client, requests } = clientWith((r, i) =>
        i === 0 ? json(429, {}, { 'retry-after': '0' }) : ok(r),
      )
      await expect(call(client)).resolves.not.toBeInstanceOf(Error)
      expect(requests).toHaveLength(2)
    })

    it('replays a refused connection (nothing was sent)', async () => {
      const { client, requests } = clientWith((r, i) => (i === 0 ? networkError('ECONNREFUSED') : ok(r)))
      await expect(call(client)).resolves.not.toBeInstanceOf(Error)
      expect(requests).toHaveLength(2)
    })

    it.each(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'])(
      'does not replay a %s (the request may have reached Sparkfly)',
      async (code) => {
        const { client, requests } = clientWith((r, i) => (i === 0 ? networkError(code) : ok(r)))
        const error = await call(client).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(SparkflyConnectionError)
        expect(error).toMatchObject({ code, retryable: true, applied: 'maybe' })
        expect(requests).toHaveLength(1)
      },
    )

    it('does not replay a reset with maxRetries 0 either', async () => {
      const { client, requests } = clientWith((r, i) => (i === 0 ? networkError('ECONNRESET') : ok(r)), {
        maxRetries: 0,
      })
      await expect(call(client)).rejects.toMatchObject({ name: 'SparkflyConnectionError', applied: 'maybe' })
      expect(requests).toHaveLength(1)
    })
  })

  it('stops after maxRetries and reports the last error', async () => {
    const { client, requests } = clientWith(() => json(502, { error: 'bad gateway' }))
    const error = await client.credentials.get(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyServerError)
    expect(error).toMatchObject({ status: 502, sparkflyMessage: 'bad gateway', operation: 'credentials.get' })
    expect(requests).toHaveLength(3)
  })

  it('lets a call override maxRetries and timeoutMs', async () => {
    const { client, requests } = clientWith(() => json(500, {}), { maxRetries: 2 })
    await expect(client.credentials.get(1, { maxRetries: 0 })).rejects.toBeInstanceOf(SparkflyServerError)
    expect(requests).toHaveLength(1)

    const slow = clientWith((r) => new Promise((resolve) => setTimeout(() => resolve(ok(r)), 80)), {
      timeoutMs: 20,
    })
    await expect(slow.client.credentials.get(1, { timeoutMs: 1000, maxRetries: 0 })).resolves.toMatchObject({
      id: 578,
    })
    await expect(slow.client.credentials.get(1, { maxRetries: 0 })).rejects.toBeInstanceOf(
      SparkflyTimeoutError,
    )
  })

  it('retries a reset once for idempotent calls even with maxRetries 0', async () => {
    const { client, requests } = clientWith((r, i) => (i === 0 ? networkError('ECONNRESET') : ok(r)), {
      maxRetries: 0,
    })
    await expect(client.offerStates.get(1, 2)).resolves.toMatchObject({ offer_state_id: 7 })
    expect(requests).toHaveLength(2)
  })

  it('gives an idempotent call its free reset retry only once', async () => {
    const { client, requests } = clientWith(() => networkError('UND_ERR_SOCKET'), { maxRetries: 0 })
    await expect(client.credentials.get(1)).rejects.toMatchObject({
      code: 'UND_ERR_SOCKET',
      applied: 'maybe',
    })
    expect(requests).toHaveLength(2)
  })

  it('says Sparkfly did not act when a 429 outlasts the retries', async () => {
    const { client, requests } = clientWith(() => json(429, {}, { 'retry-after': '0' }), { maxRetries: 1 })
    const error = await client.offerStates.issue({ campaign_id: 'x', member_id: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyRateLimitError)
    expect(error).toMatchObject({ applied: 'no', retryable: true })
    expect(requests).toHaveLength(2)
  })

  it.each([400, 403, 404, 409, 422])('never retries a %i', async (status) => {
    const { client, requests } = clientWith(() => json(status, { error: 'no' }))
    await expect(client.credentials.get(1)).rejects.toMatchObject({ status })
    expect(requests).toHaveLength(1)
  })

  it('keeps the whole call within totalTimeoutMs', async () => {
    const { client, requests } = clientWith(() => 'hang', {
      timeoutMs: 100,
      totalTimeoutMs: 250,
      maxRetries: 10,
    })
    const started = Date.now()
    await expect(client.credentials.get(1)).rejects.toBeInstanceOf(SparkflyTimeoutError)
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(600)
    expect(requests.length).toBeGreaterThanOrEqual(2)
    expect(requests.length).toBeLessThanOrEqual(3)
  })

  it('leaves no unhandled rejection when the caller’s deadline has already passed as an attempt starts', async () => {
    const { client } = clientWith(() => networkError('ECONNRESET'), { timeoutMs: 5000 })
    const passed = AbortSignal.abort(new Error('deadline passed'))
    await expect(client.credentials.get(1, { signal: passed })).rejects.toThrow(/deadline passed/)
    // an unhandled rejection of the abandoned transport promise would fail this test file
    await new Promise((resolve) => setTimeout(resolve, 20))
  })

  it('stops when the caller aborts', async () => {
    const { client, requests } = clientWith(() => 'hang', { timeoutMs: 5000 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(new Error('lambda is about to time out')), 20)
    await expect(client.credentials.get(1, { signal: controller.signal })).rejects.toThrow(
      /about to time out/,
    )
    expect(requests).toHaveLength(1)
  })
})

describe('aborted before the attempt', () => {
  it('rejects with the caller reason and leaves no unhandled rejection of the transport (which rejects too, like fetch)', async () => {
    const unhandled: unknown[] = []
    const listener = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', listener)
    try {
      const transport: SparkflyTransport = async (_url, init) => {
        if (init.signal.aborted) throw init.signal.reason
        return json(200, bodies.credential())
      }
      const client = createSparkflyClientWithTokenProvider({
        baseUrl: BASE,
        tokenProvider: () => TOKEN,
        transport,
        logger: memoryLogger().logger,
      })
      const controller = new AbortController()
      controller.abort(new Error('the issuance deadline passed'))
      await expect(client.credentials.get(1, { signal: controller.signal })).rejects.toThrow(
        /deadline passed/,
      )
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', listener)
    }
  })
})

describe('Retry-After', () => {
  it('waits the seconds Sparkfly asks for before retrying a 429', async () => {
    const { client, requests } = clientWith((r, i) =>
      i === 0 ? json(429, {}, { 'retry-after': '1' }) : ok(r),
    )
    const started = Date.now()
    await expect(client.offerStates.issue({ campaign_id: 'x', member_id: 1 })).resolves.toMatchObject({
      id: 10000,
    })
    expect(requests).toHaveLength(2)
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(980)
    expect(Date.now() - started).toBeLessThan(3000)
  })

  it('honours an HTTP-date Retry-After', async () => {
    const { client, requests } = clientWith((r, i) =>
      i === 0 ? json(429, {}, { 'retry-after': new Date(Date.now() + 1500).toUTCString() }) : ok(r),
    )
    await client.credentials.get(1)
    expect(requests).toHaveLength(2)
    // HTTP dates have 1 s resolution: the wait is between 0.5 and 1.5 s.
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(450)
  })

  it('gives up at once when Retry-After does not fit the budget, and says how long to wait', async () => {
    const { client, requests } = clientWith(() => json(429, { error: 'slow down' }, { 'retry-after': '60' }))
    const started = Date.now()
    const error = await client.credentials.get(1).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(500)
    expect(error).toBeInstanceOf(SparkflyRateLimitError)
    expect(error).toMatchObject({ retryAfterMs: 60_000, retryable: true, status: 429 })
    expect(requests).toHaveLength(1)
  })
})

describe('error mapping on the wire', () => {
  it('maps 422 "Offer State already voided" to a conflict with trace and request id', async () => {
    const { client } = clientWith(() =>
      json(422, { trace: 'tr-1', error: 'Offer State already voided' }, { 'x-request-id': 'rid-9' }),
    )
    const error = await client.offerStates.void(1, 2).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyConflictError)
    expect(error).toMatchObject({
      name: 'SparkflyConflictError',
      conflict: 'already_voided',
      status: 422,
      trace: 'tr-1',
      requestId: 'rid-9',
      sparkflyMessage: 'Offer State already voided',
      operation: 'offerStates.void',
      retryable: false,
    })
  })

  it('maps a 400 with field errors to a validation error', async () => {
    const { client } = clientWith(() => json(400, { errors: { campaign_id: ["can't be blank"] } }))
    const error = await client.offerStates.issue({ campaign_id: 'x', member_id: 1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyValidationError)
    expect(error).toMatchObject({ fieldErrors: { campaign_id: ["can't be blank"] }, status: 400 })
    expect((error as Error).message).toContain("campaign_id can't be blank")
  })

  it('maps 404 with an empty body', async () => {
    const { client } = clientWith(() => empty(404))
    await expect(client.credentials.get(1)).rejects.toBeInstanceOf(SparkflyNotFoundError)
  })
})

describe('response contract', () => {
  it('names the offending field when the body does not match', async () => {
    const { client } = clientWith(() => json(200, { credential: { id: 'not-a-number' } }))
    const error = await client.credentials.get(1).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyContractError)
    expect(error).toMatchObject({ path: 'credential.id', operation: 'credentials.get', retryable: false })
    expect((error as Error).message).toContain('credential.id')
  })

  it('names a missing required field of the issue answer', async () => {
    const { client } = clientWith(() =>
      json(201, { offer_state: { id: 1, member_id: 2, offer_id: 3, campaign_id: 'x' } }),
    )
    const error = await client.offerStates.issue({ campaign_id: 'x', member_id: 2 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SparkflyContractError', path: 'offer_state.credential_identifier' })
  })

  it('names a missing offer state id, and a body that is not JSON', async () => {
    const { client } = clientWith((_r, i) =>
      i === 0
        ? json(200, { offer_state: { status: 'incomplete' } })
        : new Response('<html>', { status: 200 }),
    )
    await expect(client.offerStates.get(1, 2)).rejects.toMatchObject({ path: 'offer_state.offer_state_id' })
    await expect(client.offerStates.get(1, 2)).rejects.toMatchObject({ path: '(body)' })
  })

  it('lets unknown fields and unknown statuses through, and reads digit-string ids', async () => {
    const { client } = clientWith(() =>
      json(200, {
        offer_state: { id: '42', status: 'frozen', brand_new: { nested: [1, 2] }, redeemed_at: null },
        errors: {},
        server_hint: 'x',
      }),
    )
    const state = await client.offerStates.get(1, 42)
    expect(state.offer_state_id).toBe(42)
    expect(state.status).toBe('frozen')
    expect(state.brand_new).toEqual({ nested: [1, 2] })
    expect(state.redeemed_at).toBeNull()
  })
})

describe('logging', () => {
  it('logs method, path template, status, duration, request id and attempt for each attempt', async () => {
    const { client, logs } = clientWith((r, i) =>
      i === 0 ? json(503, {}, { 'x-request-id': 'rid-1' }) : ok(r),
    )
    await client.offerStates.get(123, 456)
    const failed = logs.find((l) => l.message === 'Sparkfly call failed')
    expect(failed?.attributes).toMatchObject({
      operation: 'offerStates.get',
      method: 'GET',
      path: '/members/{member_id}/offer_states/{id}',
      status: 503,
      requestId: 'rid-1',
      attempt: 1,
      retrying: true,
    })
    expect(typeof failed?.attributes.durationMs).toBe('number')
    const succeeded = logs.find((l) => l.message === 'Sparkfly call succeeded')
    expect(succeeded?.attributes).toMatchObject({ attempt: 2, status: 200 })
    expect(JSON.stringify(logs)).not.toMatch(/123|456/)
  })
})
