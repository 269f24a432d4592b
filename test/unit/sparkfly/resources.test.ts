import { describe, expect, it } from 'vitest'
import {
  createSparkflyClientWithTokenProvider,
  SPARKFLY_OPERATIONS,
  type SparkflyClient,
  SparkflyInvalidArgumentError,
  SparkflyValidationError,
} from '../../../lib/sparkfly'
import { bodies, empty, fakeTransport, json, memoryLogger, type SeenRequest } from './helpers'

const BASE = 'http://sparkfly.test/v1.0'
const TOKEN = 'tok_resources_0123456789'

/** Answers each path with a plausible Sparkfly body. */
function sparkflyLike(request: SeenRequest): Response {
  const path = request.url.pathname
  if (path.startsWith('/v1.0/members') && path.endsWith('/void')) return empty(200)
  if (path === '/v1.0/members/offer_states/issue') return json(201, bodies.issued())
  if (path === '/v1.0/credentials/eligible') return json(200, { is_eligible: true, status: 'eligible' })
  if (path === '/v1.0/credentials' && request.method === 'GET') {
    return json(200, {
      page: 1,
      per_page: 50,
      total_entries: 1,
      total_pages: 1,
      credentials: [bodies.credential()],
    })
  }
  if (path.startsWith('/v1.0/credentials'))
    return json(request.method === 'POST' ? 201 : 200, bodies.credential())
  if (path === '/v1.0/reports/offer_activity') return json(200, [])
  if (path === '/v1.0/activities/offers') return json(200, { page: 1, collection: [] })
  if (/^\/v1\.0\/members\/\d+\/offer_states$/.test(path) && request.method === 'GET') {
    return json(200, {
      page: 1,
      per_page: 50,
      total_entries: 1,
      total_pages: 1,
      offer_states: [bodies.offerState()],
    })
  }
  return json(200, bodies.offerState())
}

function setup() {
  const fake = fakeTransport((request) => sparkflyLike(request))
  const client = createSparkflyClientWithTokenProvider({
    baseUrl: BASE,
    tokenProvider: () => TOKEN,
    transport: fake.transport,
    logger: memoryLogger().logger,
  })
  return { client, requests: fake.requests }
}

interface Case {
  name: string
  call: (client: SparkflyClient) => Promise<unknown>
  method: string
  path: string
  query?: Record<string, string>
  body?: unknown
}

const cases: Case[] = [
  {
    name: 'credentials.create',
    call: (c) =>
      c.credentials.create({ member_id: 1009, offer_id: '1701', channel_id: 456, printable: true }),
    method: 'POST',
    path: '/v1.0/credentials',
    body: { credential: { member_id: 1009, offer_id: 1701, channel_id: 456 }, printable: true },
  },
  {
    name: 'credentials.get',
    call: (c) => c.credentials.get(578),
    method: 'GET',
    path: '/v1.0/credentials/578',
  },
  {
    name: 'credentials.list',
    call: (c) =>
      c.credentials.list({ member_id: 1009, offer_id: 1701, store_id: '3', page: 2, per_page: 25 }),
    method: 'GET',
    path: '/v1.0/credentials',
    query: { member_id: '1009', offer_id: '1701', store_id: '3', page: '2', per_page: '25' },
  },
  {
    name: 'credentials.update',
    call: (c) => c.credentials.update('578', { offer_ids: [1011, '1116'], channel_id: 456 }),
    method: 'PUT',
    path: '/v1.0/credentials/578',
    body: { credential: { offer_ids: [1011, 1116], channel_id: 456 } },
  },
  {
    name: 'credentials.delete',
    call: (c) => c.credentials.delete(578),
    method: 'DELETE',
    path: '/v1.0/credentials/578',
  },
  {
    name: 'credentials.redeem',
    call: (c) => c.credentials.redeem(578),
    method: 'PUT',
    path: '/v1.0/credentials/578/redeem',
  },
  {
    name: 'credentials.void',
    call: (c) => c.credentials.void(578),
    method: 'PUT',
    path: '/v1.0/credentials/578/void',
  },
  {
    name: 'credentials.eligibility',
    call: (c) => c.credentials.eligibility(1009, 1701),
    method: 'GET',
    path: '/v1.0/credentials/eligible',
    query: { member_id: '1009', offer_id: '1701' },
  },
  {
    name: 'offerStates.issue',
    call: (c) =>
      c.offerStates.issue({
        campaign_id: 'cmp-xid',
        member_id: 20000,
        external_ref_id: 'evt-1',
        activates_at: new Date('2030-01-01T00:00:00Z'),
        expires_at: '2030-02-01T00:00:00Z',
      }),
    method: 'POST',
    path: '/v1.0/members/offer_states/issue',
    body: {
      offer_state: {
        campaign_id: 'cmp-xid',
        member_id: 20000,
        external_ref_id: 'evt-1',
        activates_at: '2030-01-01T00:00:00.000Z',
        expires_at: '2030-02-01T00:00:00Z',
      },
    },
  },
  {
    name: 'offerStates.createFromQuery',
    call: (c) =>
      c.offerStates.createFromQuery({
        offer_id: 3,
        channel_id: 'ch-9',
        offer_state: { external_ref_id: 'x-1' },
      }),
    method: 'POST',
    path: '/v1.0/members/offer_states',
    query: { offer_id: '3', channel_id: 'ch-9' },
    body: { offer_state: { external_ref_id: 'x-1' } },
  },
  {
    name: 'offerStates.issueForMember',
    call: (c) => c.offerStates.issueForMember(2, { offer_id: 3, channel_id: 456 }),
    method: 'POST',
    path: '/v1.0/members/2/offer_states',
    query: { offer_id: '3', channel_id: '456' },
  },
  {
    name: 'offerStates.get',
    call: (c) => c.offerStates.get(2, 7),
    method: 'GET',
    path: '/v1.0/members/2/offer_states/7',
  },
  {
    name: 'offerStates.list',
    call: (c) => c.offerStates.list(2),
    method: 'GET',
    path: '/v1.0/members/2/offer_states',
  },
  {
    name: 'offerStates.getByOffer',
    call: (c) => c.offerStates.getByOffer(2, 3),
    method: 'GET',
    path: '/v1.0/members/2/offers/3',
  },
  {
    name: 'offerStates.query',
    call: (c) => c.offerStates.query({ external_ref_id: 'evt 1&x=y' }),
    method: 'GET',
    path: '/v1.0/members/offer_states',
    query: { external_ref_id: 'evt 1&x=y' },
  },
  {
    name: 'offerStates.update',
    call: (c) => c.offerStates.update(2, 7, { value: 5, locked: false }),
    method: 'PUT',
    path: '/v1.0/members/2/offer_states/7',
    body: { offer_state: { value: 5, locked: false } },
  },
  {
    name: 'offerStates.redeem',
    call: (c) => c.offerStates.redeem(2, 7),
    method: 'POST',
    path: '/v1.0/members/2/offer_states/7',
    body: { offer_state: { status: 'redeemed' } },
  },
  {
    name: 'offerStates.void',
    call: (c) => c.offerStates.void(2, 7),
    method: 'POST',
    path: '/v1.0/members/2/offer_states/7/void',
  },
  {
    name: 'offerStates.voidByMemberIdentifier',
    call: (c) => c.offerStates.voidByMemberIdentifier(7, 'ext/42?a'),
    method: 'POST',
    path: '/v1.0/members/offer_states/7/void',
    query: { member_identifier: 'ext/42?a' },
  },
  {
    name: 'reports.offerActivity',
    call: async (c) => {
      const rows = await c.reports.offerActivity({
        from_reported_datetime: '2026-11-23T00:00:00Z',
        to_reported_datetime: '2026-11-23T06:00:00Z',
        channel_id: 7,
        type: 'redeem',
      })
      for await (const _ of rows) break
    },
    method: 'GET',
    path: '/v1.0/reports/offer_activity',
    query: {
      from_reported_datetime: '2026-11-23T00:00:00Z',
      to_reported_datetime: '2026-11-23T06:00:00Z',
      channel_id: '7',
      type: 'redeem',
    },
  },
  {
    name: 'activities.offers',
    call: (c) => c.reports.memberActivities(42, { page: 2 }),
    method: 'GET',
    path: '/v1.0/activities/offers',
    query: { member_id: '42', page: '2' },
  },
]

describe('Sparkfly resources: request building', () => {
  it('covers all 21 operations', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBe(21)
  })

  it('declares exactly these 21 operations plus /auth in the operation table', () => {
    expect(Object.keys(SPARKFLY_OPERATIONS).sort()).toEqual(['auth', ...cases.map((c) => c.name)].sort())
  })

  it.each(cases)('$name matches its declaration (method and path template)', ({ name, method, path }) => {
    const declared = SPARKFLY_OPERATIONS[name as keyof typeof SPARKFLY_OPERATIONS]
    expect(declared.method).toBe(method)
    const pattern = new RegExp(`^/v1\\.0${declared.path.replace(/\{[a-z_]+\}/g, '[^/]+')}$`)
    expect(path).toMatch(pattern)
  })

  it.each(cases)('$name sends $method $path', async ({ call, method, path, query, body }) => {
    const { client, requests } = setup()
    await call(client)
    expect(requests).toHaveLength(1)
    const [request] = requests
    expect(request?.method).toBe(method)
    expect(request?.url.origin).toBe('http://sparkfly.test')
    expect(request?.url.pathname).toBe(path)
    expect(Object.fromEntries(request?.url.searchParams ?? [])).toEqual(query ?? {})
    expect(request?.body).toEqual(body)
    expect(request?.headers['X-Auth-Token']).toBe(TOKEN)
    expect(request?.headers.Accept).toBe('application/json')
    expect(request?.headers['Content-Type']).toBe(body === undefined ? undefined : 'application/json')
  })

  it('returns unwrapped, typed entities', async () => {
    const { client } = setup()
    const credential = await client.credentials.get(578)
    expect(credential).toMatchObject({ id: 578, identifier: '3540', offer_ids: [1701] })
    const issued = await client.offerStates.issue({ campaign_id: 'cmp-xid', member_identifier: 'ext-42' })
    expect(issued).toEqual({
      id: 10000,
      member_id: 20000,
      offer_id: 100,
      campaign_id: 'cmp-xid',
      credential_identifier: 'VK32',
    })
    const list = await client.offerStates.list(2)
    expect(list.offer_states[0]).toMatchObject({ offer_state_id: 7, status: 'incomplete' })
    await expect(client.offerStates.void(2, 7)).resolves.toBeUndefined()
    await expect(client.credentials.eligibility(1, 2)).resolves.toMatchObject({ is_eligible: true })
  })

  it('sends redeem as an offer_state_update with status "redeemed", whatever else it carries', async () => {
    const { client, requests } = setup()
    await client.offerStates.redeem('2', '7', { value: 3, status: 'incomplete' })
    expect(requests[0]?.body).toEqual({ offer_state: { value: 3, status: 'redeemed' } })
  })

  it('sends channel_id, page and per_page on the member offer-state list', async () => {
    const { client, requests } = setup()
    await client.offerStates.list(2, { channel_id: 456, page: 2, per_page: 10 })
    expect(Object.fromEntries(requests[0]?.url.searchParams ?? [])).toEqual({
      channel_id: '456',
      page: '2',
      per_page: '10',
    })
  })
})

describe('Sparkfly resources: offerStates.query under both descriptions', () => {
  const page = (items: unknown[]) => ({
    page: 1,
    per_page: 50,
    total_entries: items.length,
    total_pages: 1,
    offer_states: items,
  })
  const answering = (response: () => Response) => {
    const fake = fakeTransport(() => response())
    return createSparkflyClientWithTokenProvider({
      baseUrl: BASE,
      tokenProvider: () => TOKEN,
      transport: fake.transport,
      logger: memoryLogger().logger,
      maxRetries: 0,
    })
  }

  it('reads a page of matches (platform): every match, the first for query()', async () => {
    const second = { offer_state: { ...bodies.offerState().offer_state, offer_state_id: 8 } }
    const client = answering(() => json(200, page([bodies.offerState(), second])))
    expect((await client.offerStates.queryAll({ token: 't' })).map((s) => s.offer_state_id)).toEqual([7, 8])
    await expect(client.offerStates.query({ token: 't' })).resolves.toMatchObject({ offer_state_id: 7 })
  })

  it('reads one offer_state (offer-states description)', async () => {
    const client = answering(() => json(200, bodies.offerState()))
    expect((await client.offerStates.queryAll({ token: 't' })).map((s) => s.offer_state_id)).toEqual([7])
  })

  it('takes an empty page and a 404 alike as "not found"', async () => {
    for (const response of [
      () => json(200, page([])),
      () => json(404, { error: 'OfferState not found - not found' }),
    ]) {
      const client = answering(response)
      await expect(client.offerStates.queryAll({ credential_identifier: 'X' })).resolves.toEqual([])
      await expect(client.offerStates.query({ credential_identifier: 'X' })).rejects.toMatchObject({
        name: 'SparkflyNotFoundError',
      })
    }
  })

  it('refuses an answer of neither shape as a contract error', async () => {
    const client = answering(() => json(200, { something: 'else' }))
    await expect(client.offerStates.queryAll({ token: 't' })).rejects.toMatchObject({
      name: 'SparkflyContractError',
    })
  })
})

describe('Sparkfly resources: id validation', () => {
  const badIds: unknown[] = [
    '../1',
    '',
    '  ',
    'abc',
    '1/2',
    '12a',
    '-5',
    -5,
    0,
    '0',
    1.5,
    Number.NaN,
    '%2e%2e',
    null,
    undefined,
  ]

  const pathCalls: [string, (client: SparkflyClient, bad: never) => Promise<unknown>][] = [
    ['credentials.get', (c, bad) => c.credentials.get(bad)],
    ['credentials.update', (c, bad) => c.credentials.update(bad, {})],
    ['credentials.delete', (c, bad) => c.credentials.delete(bad)],
    ['credentials.redeem', (c, bad) => c.credentials.redeem(bad)],
    ['credentials.void', (c, bad) => c.credentials.void(bad)],
    ['credentials.eligibility', (c, bad) => c.credentials.eligibility(bad, 1)],
    ['offerStates.issueForMember', (c, bad) => c.offerStates.issueForMember(bad)],
    ['offerStates.get (member)', (c, bad) => c.offerStates.get(bad, 1)],
    ['offerStates.get (id)', (c, bad) => c.offerStates.get(1, bad)],
    ['offerStates.list', (c, bad) => c.offerStates.list(bad)],
    ['offerStates.getByOffer', (c, bad) => c.offerStates.getByOffer(1, bad)],
    ['offerStates.update', (c, bad) => c.offerStates.update(bad, 1, {})],
    ['offerStates.redeem', (c, bad) => c.offerStates.redeem(1, bad)],
    ['offerStates.void', (c, bad) => c.offerStates.void(bad, 1)],
    ['offerStates.voidByMemberIdentifier', (c, bad) => c.offerStates.voidByMemberIdentifier(bad, 'ext-1')],
  ]

  it.each(pathCalls)('%s rejects bad ids without any request', async (_name, call) => {
    const { client, requests } = setup()
    for (const bad of badIds) {
      const attempt = (async () => call(client, bad as never))()
      await expect(attempt, `id ${JSON.stringify(bad)}`).rejects.toBeInstanceOf(SparkflyInvalidArgumentError)
    }
    expect(requests).toHaveLength(0)
  })

  it('reports the invalid argument as a validation error with its name', async () => {
    const { client } = setup()
    const error = await client.offerStates.get(1, '../../credentials').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SparkflyValidationError)
    expect(error).toMatchObject({ name: 'SparkflyInvalidArgumentError', argument: 'id', applied: 'no' })
  })

  it('names nested and body arguments by their wire path', async () => {
    const { client, requests } = setup()
    await expect(client.credentials.update(1, { offer_ids: [1, 'x'] })).rejects.toMatchObject({
      argument: 'offer_ids.1',
    })
    await expect(
      client.offerStates.createFromQuery({ offer_state: { activates_at: 'tomorrow' } }),
    ).rejects.toMatchObject({ argument: 'activates_at' })
    await expect(client.offerStates.update(1, 2, { expires_at: new Date(Number.NaN) })).rejects.toMatchObject(
      {
        argument: 'expires_at',
      },
    )
    await expect(client.credentials.eligibility(1, 0)).rejects.toMatchObject({ argument: 'offer_id' })
    expect(requests).toHaveLength(0)
  })

  it('sends null to clear a date in an update, and drops unset optional fields', async () => {
    const { client, requests } = setup()
    await client.offerStates.update(2, 7, { expires_at: null, offer_name: 'x', custom: { a: 1 } })
    expect(requests[0]?.body).toEqual({
      offer_state: { expires_at: null, offer_name: 'x', custom: { a: 1 } },
    })
    await client.offerStates.issueForMember(2, { offer_id: null as never })
    expect(Object.fromEntries(requests[1]?.url.searchParams ?? [])).toEqual({})
  })

  it('rejects missing references without any request', async () => {
    const { client, requests } = setup()
    await expect(client.offerStates.query({})).rejects.toBeInstanceOf(SparkflyInvalidArgumentError)
    await expect(client.offerStates.issue({ campaign_id: 'abc' })).rejects.toThrow(
      /member_id or member_identifier/,
    )
    await expect(client.offerStates.issue({ campaign_id: '', member_id: 1 })).rejects.toThrow(/campaign_id/)
    await expect(client.offerStates.voidByMemberIdentifier(1, '')).rejects.toThrow(/member_identifier/)
    await expect(client.credentials.list({ page: 0 })).rejects.toThrow(/page/)
    await expect(client.credentials.list({ member_id: 'x' })).rejects.toThrow(/member_id/)
    await expect(
      client.offerStates.issue({ campaign_id: 'abc', member_id: 1, expires_at: 'not a date' }),
    ).rejects.toThrow(/expires_at/)
    expect(requests).toHaveLength(0)
  })

  it('accepts digit strings and large safe integers, and encodes them', async () => {
    const { client, requests } = setup()
    await client.offerStates.get('0042', 9007199254740991)
    expect(requests[0]?.url.pathname).toBe('/v1.0/members/42/offer_states/9007199254740991')
  })
})

describe('credentials.listAll', () => {
  it('walks every page until total_pages', async () => {
    const fake = fakeTransport((request) => {
      const page = Number(request.url.searchParams.get('page'))
      const credentials = page <= 3 ? [bodies.credential(page * 10), bodies.credential(page * 10 + 1)] : []
      return json(200, { page, per_page: 2, total_entries: 6, total_pages: 3, credentials })
    })
    const client = createSparkflyClientWithTokenProvider({
      baseUrl: BASE,
      tokenProvider: () => TOKEN,
      transport: fake.transport,
      logger: memoryLogger().logger,
    })
    const ids: number[] = []
    for await (const credential of client.credentials.listAll({ member_id: 1009, per_page: 2 }))
      ids.push(credential.id)
    expect(ids).toEqual([10, 11, 20, 21, 30, 31])
    expect(fake.requests.map((r) => r.url.searchParams.get('page'))).toEqual(['1', '2', '3'])
    expect(fake.requests.every((r) => r.url.searchParams.get('member_id') === '1009')).toBe(true)
  })

  it('stops on a short page when total_pages is absent, and accepts bare items', async () => {
    const fake = fakeTransport((request) => {
      const page = Number(request.url.searchParams.get('page'))
      const credentials = page === 1 ? [{ id: 1 }, { id: 2 }] : [{ id: 3 }]
      return json(200, { credentials })
    })
    const client = createSparkflyClientWithTokenProvider({
      baseUrl: BASE,
      tokenProvider: () => TOKEN,
      transport: fake.transport,
      logger: memoryLogger().logger,
    })
    const ids: number[] = []
    for await (const credential of client.credentials.listAll({ per_page: 2 })) ids.push(credential.id)
    expect(ids).toEqual([1, 2, 3])
    expect(fake.requests).toHaveLength(2)
  })
})
