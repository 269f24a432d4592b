import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Credential, Member, OfferState, RequestLogEntry, Sandbox } from '../../../local/sandbox'
import { type Api, adminCall, client, issue, login, start } from './helpers'

let sandbox: Sandbox
let api: Api

beforeAll(async () => {
  sandbox = await start({ now: '2031-03-01T00:00:00Z', freezeClock: true })
  api = client(sandbox, await login(sandbox))
})
afterAll(() => sandbox.stop())
beforeEach(async () => {
  expect((await adminCall(sandbox, 'POST', '/reset')).status).toBe(200)
  expect((await adminCall(sandbox, 'PUT', '/clock', { now: '2031-03-01T00:00:00Z' })).status).toBe(200)
})

describe('startSandbox({ campaigns })', () => {
  it('seeds campaigns with the given XIDs, and keeps them across reset()', async () => {
    const own = await start({
      campaigns: [
        { xid: 'local-tier-reward' },
        { xid: 'local-paused', status: 'suspended', offerName: 'Paused' },
      ],
    })
    try {
      const ownApi = client(own, await login(own))
      const member_id = own.fixtures.members[0]!.id
      const issueTo = (campaign_id: string) =>
        ownApi('POST', '/members/offer_states/issue', { offer_state: { campaign_id, member_id } })
      expect((await issueTo('local-tier-reward')).status).toBe(201)
      expect((await issueTo('local-paused')).body.error).toBe('Campaign is suspended')
      own.admin.reset()
      expect((await issueTo('local-tier-reward')).status).toBe(201)
    } finally {
      await own.stop()
    }
  })
})

describe('admin routes over HTTP (/_sandbox)', () => {
  it('lists its routes and serves the fixtures', async () => {
    const index = await adminCall<{ routes: string[] }>(sandbox, 'GET', '')
    expect(index.body.routes).toContain('POST /_sandbox/clock/advance')
    const fixtures = await adminCall(sandbox, 'GET', '/fixtures')
    expect(fixtures.body).toEqual(sandbox.fixtures)
    expect(sandbox.fixtures.members.length).toBeGreaterThanOrEqual(5)
  })

  it('seeds a member the API can then issue to', async () => {
    const created = await adminCall<Member>(sandbox, 'POST', '/members', { identifier: 'loyal-42' })
    expect(created.status).toBe(201)
    expect(created.body.identifier).toBe('loyal-42')
    const os = await issue(api, {
      campaign_id: sandbox.fixtures.campaigns.active.xid,
      member_identifier: 'loyal-42',
    })
    expect(os.member_id).toBe(created.body.id)
    expect((await adminCall(sandbox, 'POST', '/members', { identifier: 'loyal-42' })).status).toBe(400)
  })

  it('seeds campaigns and suspends or reactivates them', async () => {
    const member_id = sandbox.fixtures.members[0]!.id
    const campaign = await adminCall<{ xid: string; offerId: number }>(sandbox, 'POST', '/campaigns', {
      status: 'suspended',
      offerName: 'Seeded',
    })
    expect(campaign.status).toBe(201)
    const body = { offer_state: { campaign_id: campaign.body.xid, member_id } }
    expect((await api('POST', '/members/offer_states/issue', body)).status).toBe(422)
    expect(
      (await adminCall(sandbox, 'PUT', `/campaigns/${campaign.body.xid}`, { status: 'active' })).status,
    ).toBe(200)
    const issued = await api<{ offer_state: { offer_id: number } }>(
      'POST',
      '/members/offer_states/issue',
      body,
    )
    expect(issued.status).toBe(201)
    expect(issued.body.offer_state.offer_id).toBe(campaign.body.offerId)
  })

  it('creates a campaign with a chosen XID (as a rules file names it); a taken XID is refused', async () => {
    const created = await adminCall<{ xid: string }>(sandbox, 'POST', '/campaigns', { xid: 'rule-xid-1' })
    expect(created.status).toBe(201)
    expect(created.body.xid).toBe('rule-xid-1')
    const os = await issue(api, { campaign_id: 'rule-xid-1', member_id: sandbox.fixtures.members[0]!.id })
    expect(os.campaign_id).toBe('rule-xid-1')
    const again = await adminCall(sandbox, 'POST', '/campaigns', { xid: 'rule-xid-1' })
    expect(again.status).toBe(400)
    expect(() => sandbox.admin.createCampaign({ xid: sandbox.fixtures.campaigns.active.xid })).toThrow(
      /already taken/,
    )
  })

  it('seeds channels and stores the credential API accepts', async () => {
    const channel = await adminCall<{ id: number }>(sandbox, 'POST', '/channels', { name: 'Kiosk' })
    const shop = await adminCall<{ id: number }>(sandbox, 'POST', '/stores', { name: 'Downtown' })
    const answer = await api('POST', '/credentials', {
      credential: {
        member_id: sandbox.fixtures.members[0]!.id,
        offer_id: sandbox.fixtures.offerId,
        channel_id: channel.body.id,
        store_id: shop.body.id,
      },
    })
    expect(answer.status).toBe(201)
  })

  it('seeds offer states (not counted as API calls) and reads them back', async () => {
    const member = sandbox.fixtures.members[2]!
    const seeded = await adminCall<OfferState>(sandbox, 'POST', '/offer_states', {
      memberId: member.id,
      campaignXid: sandbox.fixtures.campaigns.active.xid,
      expiresAt: '2031-03-02T00:00:00Z',
      externalRefId: 'seed-1',
    })
    expect(seeded.status).toBe(201)
    expect(seeded.body).toMatchObject({
      member_id: member.id,
      status: 'incomplete',
      expires_at: '2031-03-02T00:00:00Z',
    })

    const viaApi = await api<{ offer_state: { credential_identifier: string } }>(
      'GET',
      `/members/${member.id}/offer_states/${seeded.body.offer_state_id}`,
    )
    expect(viaApi.body.offer_state.credential_identifier).toBe(seeded.body.credential_identifier)

    const one = await adminCall<OfferState>(sandbox, 'GET', `/offer_states/${seeded.body.offer_state_id}`)
    expect(one.body.external_ref_id).toBe('seed-1')
    const all = await adminCall<{ offerStates: OfferState[] }>(sandbox, 'GET', '/offer_states')
    expect(all.body.offerStates.map((o) => o.offer_state_id)).toEqual([seeded.body.offer_state_id])
    expect((await adminCall(sandbox, 'GET', '/offer_states/1')).status).toBe(404)
    expect(
      (await adminCall<Record<string, number>>(sandbox, 'GET', '/counters')).body['offerStates.issue'],
    ).toBe(0)

    const bad = await adminCall(sandbox, 'POST', '/offer_states', { memberId: 1, campaignXid: 'nope' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('no campaign with xid nope')
  })

  it('seeds and reads credentials', async () => {
    const created = await adminCall<Credential>(sandbox, 'POST', '/credentials', {
      memberId: sandbox.fixtures.members[0]!.id,
      offerId: sandbox.fixtures.offerId,
      status: 'voided',
    })
    expect(created.status).toBe(201)
    const viaApi = await api('PUT', `/credentials/${created.body.id}/void`)
    expect(viaApi.body.error).toBe('Credential already voided')
    const read = await adminCall<Credential>(sandbox, 'GET', `/credentials/${created.body.id}`)
    expect(read.body.status).toBe('voided')
    const all = await adminCall<{ credentials: Credential[] }>(sandbox, 'GET', '/credentials')
    expect(all.body.credentials).toHaveLength(1)
  })

  it('records every API request in the log and the per-operation counters, never the token', async () => {
    const member = sandbox.fixtures.members[0]!
    await api('GET', `/members/${member.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`)
    await api('GET', `/members/${member.id}/offer_states?channel_id=${sandbox.fixtures.channelId}&page=2`)
    await api('GET', '/credentials/999999')
    await adminCall(sandbox, 'GET', '/state')

    const log = await adminCall<{ requests: RequestLogEntry[] }>(sandbox, 'GET', '/requests')
    expect(log.body.requests).toHaveLength(3)
    expect(log.body.requests[1]).toMatchObject({
      method: 'GET',
      path: `/v1.0/members/${member.id}/offer_states?channel_id=${sandbox.fixtures.channelId}&page=2`,
      operation: 'offerStates.list',
      status: 200,
      at: '2031-03-01T00:00:00Z',
    })
    expect(log.body.requests[2]).toMatchObject({ operation: 'credentials.get', status: 404 })
    expect(JSON.stringify(log.body)).not.toContain(api.token)

    const counters = await adminCall<Record<string, number>>(sandbox, 'GET', '/counters')
    expect(counters.body['offerStates.list']).toBe(2)
    expect(counters.body['credentials.get']).toBe(1)
    const reset = await adminCall<Record<string, number>>(sandbox, 'POST', '/counters/reset')
    expect(Object.values(reset.body).every((n) => n === 0)).toBe(true)
    expect(
      (await adminCall<{ requests: unknown[] }>(sandbox, 'GET', '/requests')).body.requests,
    ).toHaveLength(0)
  })

  it('reads the whole state without the account key or tokens', async () => {
    await issue(api, {
      campaign_id: sandbox.fixtures.campaigns.active.xid,
      member_id: sandbox.fixtures.members[0]!.id,
    })
    const state = await adminCall<{ now: string; offerStates: unknown[]; members: unknown[] }>(
      sandbox,
      'GET',
      '/state',
    )
    expect(state.body.now).toBe('2031-03-01T00:00:00Z')
    expect(state.body.offerStates).toHaveLength(1)
    expect(state.body.members).toHaveLength(5)
    const text = JSON.stringify(state.body)
    expect(text).not.toContain('sbx_key_')
    expect(text).not.toContain('sbx_tok_')
  })

  it('moves the clock: set, advance by seconds or ms', async () => {
    expect((await adminCall(sandbox, 'GET', '/clock')).body).toEqual({ now: '2031-03-01T00:00:00Z' })
    expect((await adminCall(sandbox, 'POST', '/clock/advance', { seconds: 90 })).body).toEqual({
      now: '2031-03-01T00:01:30Z',
    })
    expect((await adminCall(sandbox, 'POST', '/clock/advance', { ms: 500 })).body).toEqual({
      now: '2031-03-01T00:01:30.500Z',
    })
    expect((await adminCall(sandbox, 'PUT', '/clock', { now: 'yesterday' })).status).toBe(400)
  })

  it('sets the token lifetime and revokes tokens', async () => {
    expect((await adminCall(sandbox, 'PUT', '/token_ttl', { seconds: 5 })).body).toEqual({ seconds: 5 })
    const shortLived = client(sandbox, await login(sandbox))
    const path = `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`
    expect((await shortLived('GET', path)).status).toBe(200)
    await adminCall(sandbox, 'POST', '/clock/advance', { seconds: 6 })
    expect((await shortLived('GET', path)).status).toBe(401)
    // The suite's long-lived token (minted before the change) is still fine; revoke ends it too.
    expect((await api('GET', path)).status).toBe(200)
    await adminCall(sandbox, 'POST', '/tokens/revoke')
    expect((await api('GET', path)).status).toBe(401)
    api = client(sandbox, await login(sandbox))
  })

  it('sets faults, latency and the rate limit at run time', async () => {
    const path = `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`
    const faults = await adminCall(sandbox, 'PUT', '/faults', { failNext: { status: 503, count: 1 } })
    expect(faults.body).toEqual({ failNext: { status: 503, count: 1 } })
    expect((await api('GET', path)).status).toBe(503)
    await adminCall(sandbox, 'PUT', '/faults', { rates: { '500': 1 } })
    expect((await adminCall(sandbox, 'DELETE', '/faults')).body).toEqual({})
    expect((await api('GET', path)).status).toBe(200)

    expect((await adminCall(sandbox, 'PUT', '/latency', { fixedMs: 120 })).body).toEqual({ fixedMs: 120 })
    const started = performance.now()
    await api('GET', path)
    expect(performance.now() - started).toBeGreaterThanOrEqual(115)
    expect((await adminCall(sandbox, 'DELETE', '/latency')).body).toEqual({})
    expect((await adminCall(sandbox, 'PUT', '/latency', { minMs: 10, maxMs: 5 })).status).toBe(400)

    expect((await adminCall(sandbox, 'PUT', '/rate_limit', { perSecond: 1 })).body).toEqual({ perSecond: 1 })
    const burst = await Promise.all([api('GET', path), api('GET', path)])
    expect(burst.map((a) => a.status).sort()).toEqual([200, 429])
    expect((await adminCall(sandbox, 'PUT', '/rate_limit', { perSecond: null })).body).toEqual({
      perSecond: null,
    })
  })

  it('resets to the seeded state', async () => {
    const member = sandbox.fixtures.members[0]!
    await issue(api, { campaign_id: sandbox.fixtures.campaigns.active.xid, member_id: member.id })
    await adminCall(sandbox, 'POST', '/members', { identifier: 'temp' })
    await adminCall(sandbox, 'PUT', `/campaigns/${sandbox.fixtures.campaigns.active.xid}`, {
      status: 'suspended',
    })
    await adminCall(sandbox, 'PUT', '/faults', { rates: { '503': 1 }, operations: ['credentials.list'] })

    await adminCall(sandbox, 'POST', '/reset')
    const state = await adminCall<{ offerStates: unknown[]; members: Member[] }>(sandbox, 'GET', '/state')
    expect(state.body.offerStates).toHaveLength(0)
    expect(state.body.members.map((m) => m.identifier)).not.toContain('temp')
    expect(sandbox.admin.faults()).toEqual({})
    expect(sandbox.admin.requests()).toHaveLength(0)
    // Fixture ids still valid, and the campaign is active again; tokens survive a reset.
    await issue(api, { campaign_id: sandbox.fixtures.campaigns.active.xid, member_id: member.id })
    expect((await api('GET', '/credentials')).status).toBe(200)
  })

  it('answers 404 for unknown admin routes and 400 for a body that is not JSON', async () => {
    expect((await adminCall(sandbox, 'GET', '/nope')).status).toBe(404)
    const answer = await fetch(`${sandbox.origin}/_sandbox/faults`, { method: 'PUT', body: '{' })
    expect(answer.status).toBe(400)
    expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
  })
})
