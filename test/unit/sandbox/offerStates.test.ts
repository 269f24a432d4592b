import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../../local/sandbox'
import { type Api, issue, type OfferStateWire, startWithClient } from './helpers'

type OfferStateBody = { offer_state: OfferStateWire; errors: Record<string, unknown> }
type Refusal = { error: string; message: string }
const REDEEM = { offer_state: { status: 'redeemed' } }
/** Fields the sandbox keeps (admin reads) but Sparkfly does not document: never in an API answer. */
const EXTENSIONS = ['channel_id', 'redeemed_at', 'voided_at']
type IndexBody = {
  page: number
  per_page: number
  total_entries: number
  total_pages: number
  offer_states: OfferStateBody[]
}

let sandbox: Sandbox
let api: Api
let member: { id: number; identifier: string }
let other: { id: number; identifier: string }
let xid: string

beforeAll(async () => {
  // A frozen clock keeps times exact. The token is minted at the start time (it lives 24 h on that clock);
  // each test sets the clock back to it.
  ;({ sandbox, api } = await startWithClient({ now: '2030-01-01T00:00:00Z', freezeClock: true }))
})
afterAll(() => sandbox.stop())
beforeEach(() => {
  sandbox.admin.reset()
  sandbox.admin.clock.set('2030-01-01T00:00:00Z')
  member = sandbox.fixtures.members[0]!
  other = sandbox.fixtures.members[1]!
  xid = sandbox.fixtures.campaigns.active.xid
})

const HOUR = 3_600_000
const at = (ms: number) => new Date(sandbox.admin.clock.now().getTime() + ms).toISOString()

describe('offerStates.issue (POST /members/offer_states/issue)', () => {
  it('issues to a member id with 201 and only the documented fields', async () => {
    const answer = await api<{ offer_state: Record<string, unknown> }>(
      'POST',
      '/members/offer_states/issue',
      {
        offer_state: {
          campaign_id: xid,
          member_id: member.id,
          external_ref_id: 'evt-1',
          activates_at: '2030-01-01T00:00:00Z',
          expires_at: '2030-02-01T00:00:00Z',
        },
      },
    )
    expect(answer.status).toBe(201)
    const os = answer.body.offer_state
    expect(os).toMatchObject({
      member_id: member.id,
      offer_id: sandbox.fixtures.campaigns.active.offerId,
      campaign_id: xid,
      activates_at: '2030-01-01T00:00:00Z',
      expires_at: '2030-02-01T00:00:00Z',
    })
    expect(Object.keys(os).sort()).toEqual(
      [
        'activates_at',
        'campaign_id',
        'credential_identifier',
        'expires_at',
        'id',
        'member_id',
        'offer_id',
      ].sort(),
    )
    expect(String(os.id)).toMatch(/^\d{6,9}$/)
    expect(os.credential_identifier).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/)
    expect(sandbox.admin.getOfferState(os.id as number)?.status).toBe('incomplete')
  })

  it('issues to a member identifier', async () => {
    const os = await issue(api, { campaign_id: xid, member_identifier: other.identifier })
    expect(os.member_id).toBe(other.id)
  })

  it('hands out unique ids and codes that do not follow a sequence', async () => {
    const issued = []
    for (let i = 0; i < 20; i++) issued.push(await issue(api, { campaign_id: xid, member_id: member.id }))
    const ids = issued.map((o) => o.id)
    expect(new Set(ids).size).toBe(20)
    expect(new Set(issued.map((o) => o.credential_identifier)).size).toBe(20)
    const steps = new Set(ids.slice(1).map((id, i) => id - ids[i]!))
    expect(steps.size).toBeGreaterThan(15)
  })

  it('answers 404 {"error": "Member not found"} for an unknown member id or identifier', async () => {
    for (const who of [{ member_id: 1 }, { member_identifier: 'nobody' }]) {
      const answer = await api('POST', '/members/offer_states/issue', {
        offer_state: { campaign_id: xid, ...who },
      })
      expect(answer.status).toBe(404)
      expect(answer.body).toEqual({ error: 'Member not found' })
    }
    expect(sandbox.admin.offerStates()).toHaveLength(0)
  })

  it('answers 422 "Campaign is suspended" and "Campaign not found"', async () => {
    const suspended = await api('POST', '/members/offer_states/issue', {
      offer_state: { campaign_id: sandbox.fixtures.campaigns.suspended.xid, member_id: member.id },
    })
    expect(suspended.status).toBe(422)
    expect(suspended.body).toEqual({
      trace: suspended.headers.get('x-request-id'),
      error: 'Campaign is suspended',
    })

    const unknown = await api('POST', '/members/offer_states/issue', {
      offer_state: { campaign_id: 'nope', member_id: member.id },
    })
    expect(unknown.status).toBe(422)
    expect(unknown.body.error).toBe('Campaign not found')
    expect(sandbox.admin.offerStates()).toHaveLength(0)
  })

  it('answers 400 {"error", "message"} for a missing campaign, a missing member, bad dates or no body', async () => {
    const cases: Array<[unknown, string]> = [
      [{ offer_state: { member_id: member.id } }, 'campaign_id'],
      [{ offer_state: { campaign_id: xid } }, 'member_id'],
      [{ offer_state: { campaign_id: xid, member_id: member.id, activates_at: 'soon' } }, 'activates_at'],
      [
        {
          offer_state: { campaign_id: xid, member_id: member.id, activates_at: at(HOUR), expires_at: at(0) },
        },
        'expires_at',
      ],
      [{}, 'offer_state'],
    ]
    for (const [body, field] of cases) {
      const answer = await api<Refusal>('POST', '/members/offer_states/issue', body)
      expect(answer.status).toBe(400)
      expect(answer.body.error.startsWith(field)).toBe(true)
      expect(answer.body.message).toContain(field)
    }
    expect(sandbox.admin.offerStates()).toHaveLength(0)
  })

  it('answers 400 for a body that is not JSON', async () => {
    const answer = await fetch(`${sandbox.url}/members/offer_states/issue`, {
      method: 'POST',
      headers: { 'X-Auth-Token': api.token, 'Content-Type': 'application/json' },
      body: '{"offer_state":',
    })
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      error: 'body is not valid JSON',
      message: 'body is not valid JSON',
    })
  })
})

describe('offerStates.query (GET /members/offer_states), platform profile: a page', () => {
  const ids = (body: IndexBody) => body.offer_states.map((o) => o.offer_state.offer_state_id)

  it('finds the right offer state by credential_identifier, external_ref_id and token', async () => {
    const a = await issue(api, { campaign_id: xid, member_id: member.id, external_ref_id: 'ref-a' })
    const b = await issue(api, { campaign_id: xid, member_id: other.id, external_ref_id: 'ref-b' })
    const bToken = sandbox.admin.getOfferState(b.id)!.token

    const byCode = await api<IndexBody>(
      'GET',
      `/members/offer_states?credential_identifier=${a.credential_identifier}`,
    )
    expect(byCode.status).toBe(200)
    expect(byCode.body).toMatchObject({ page: 1, total_entries: 1, total_pages: 1 })
    expect(ids(byCode.body)).toEqual([a.id])
    expect(byCode.body).not.toHaveProperty('offer_state')

    const byRef = await api<IndexBody>('GET', '/members/offer_states?external_ref_id=ref-b')
    expect(byRef.body.offer_states[0]?.offer_state).toMatchObject({
      offer_state_id: b.id,
      member_id: other.id,
      external_ref_id: 'ref-b',
    })
    for (const field of EXTENSIONS) expect(byRef.body.offer_states[0]?.offer_state).not.toHaveProperty(field)

    const byToken = await api<IndexBody>('GET', `/members/offer_states?token=${bToken}`)
    expect(ids(byToken.body)).toEqual([b.id])
  })

  it('answers every match when an external_ref_id repeats, an empty page when nothing matches', async () => {
    const first = await issue(api, { campaign_id: xid, member_id: member.id, external_ref_id: 'dup' })
    const second = await issue(api, { campaign_id: xid, member_id: other.id, external_ref_id: 'dup' })
    const answer = await api<IndexBody>('GET', '/members/offer_states?external_ref_id=dup')
    expect(answer.body.total_entries).toBe(2)
    expect(ids(answer.body)).toEqual([first.id, second.id])

    const missing = await api<IndexBody>('GET', '/members/offer_states?credential_identifier=NOPE')
    expect(missing.status).toBe(200)
    expect(missing.body).toEqual({
      page: 1,
      per_page: 50,
      total_entries: 0,
      total_pages: 0,
      offer_states: [],
    })
  })

  it('answers 400 {"error", "message"} without a filter', async () => {
    const noFilter = await api<Refusal>('GET', '/members/offer_states')
    expect(noFilter.status).toBe(400)
    expect(noFilter.body.error).toMatch(/^token or credential_identifier or external_ref_id is required$/)
  })
})

describe('offerStates.query, offer-states profile: one offer_state', () => {
  it('answers the first match as {offer_state, errors}, 404 {"error"} when nothing matches', async () => {
    const other = await startWithClient({ profile: 'offer-states' })
    try {
      const { xid: campaign } = other.sandbox.fixtures.campaigns.active
      const who = other.sandbox.fixtures.members[0]!.id
      const first = await issue(other.api, { campaign_id: campaign, member_id: who, external_ref_id: 'dup' })
      await issue(other.api, { campaign_id: campaign, member_id: who, external_ref_id: 'dup' })
      const answer = await other.api<OfferStateBody>('GET', '/members/offer_states?external_ref_id=dup')
      expect(answer.status).toBe(200)
      expect(Object.keys(answer.body).sort()).toEqual(['errors', 'offer_state'])
      expect(answer.body.offer_state.offer_state_id).toBe(first.id)

      const missing = await other.api('GET', '/members/offer_states?credential_identifier=NOPE')
      expect(missing.status).toBe(404)
      expect(missing.body).toEqual({ error: 'OfferState not found - not found' })
    } finally {
      await other.sandbox.stop()
    }
  })
})

describe('offerStates.createFromQuery (POST /members/offer_states)', () => {
  it('creates an offer state without a member from offer_id and channel_id', async () => {
    const { offerId } = sandbox.fixtures.campaigns.active
    const answer = await api<OfferStateBody>(
      'POST',
      `/members/offer_states?offer_id=${offerId}&channel_id=${sandbox.fixtures.channelId}`,
      { offer_state: { external_ref_id: 'landing-1', expires_at: at(HOUR) } },
    )
    expect(answer.status).toBe(201)
    expect(answer.body.offer_state).toMatchObject({
      offer_id: offerId,
      member_id: null,
      status: 'incomplete',
      external_ref_id: 'landing-1',
      campaign_xid: xid,
    })
    expect(answer.body.offer_state).not.toHaveProperty('channel_id')
    expect(sandbox.admin.getOfferState(answer.body.offer_state.offer_state_id)?.channel_id).toBe(
      sandbox.fixtures.channelId,
    )
  })

  it('creates from a campaign_id in the body or from an existing osid', async () => {
    const fromCampaign = await api<OfferStateBody>('POST', '/members/offer_states', {
      offer_state: { campaign_id: xid },
    })
    expect(fromCampaign.status).toBe(201)
    const token = fromCampaign.body.offer_state.token
    const fromToken = await api<OfferStateBody>('POST', `/members/offer_states?token=${token}`)
    expect(fromToken.status).toBe(201)
    expect(fromToken.body.offer_state.offer_id).toBe(sandbox.fixtures.campaigns.active.offerId)
    expect(fromToken.body.offer_state.offer_state_id).not.toBe(fromCampaign.body.offer_state.offer_state_id)
  })

  it('refuses no offer (400), an unknown offer (404), a suspended offer (422), an unknown channel (400)', async () => {
    expect((await api('POST', '/members/offer_states')).status).toBe(400)
    const unknown = await api('POST', '/members/offer_states?offer_id=1')
    expect(unknown.status).toBe(404)
    expect(unknown.body).toEqual({ error: 'Offer not found' })
    const suspended = await api(
      'POST',
      `/members/offer_states?offer_id=${sandbox.fixtures.campaigns.suspended.offerId}`,
    )
    expect(suspended.status).toBe(422)
    expect(suspended.body.error).toBe('Campaign is suspended')
    const channel = await api<Refusal>(
      'POST',
      `/members/offer_states?offer_id=${sandbox.fixtures.offerId}&channel_id=1`,
    )
    expect(channel.status).toBe(400)
    expect(channel.body.error).toBe('channel_id does not exist')
    expect(sandbox.admin.offerStates()).toHaveLength(0)
  })
})

describe('offerStates.issueForMember (POST /members/{member_id}/offer_states)', () => {
  it('creates an offer state for the member with 200', async () => {
    const answer = await api<OfferStateBody>(
      'POST',
      `/members/${member.id}/offer_states?offer_id=${sandbox.fixtures.offerId}&channel_id=${sandbox.fixtures.channelId}`,
      { offer_state: { activates_at: at(HOUR), external_ref_id: 'm-1' } },
    )
    expect(answer.status).toBe(200)
    expect(answer.body.offer_state).toMatchObject({
      member_id: member.id,
      external_ref_id: 'm-1',
      status: 'incomplete',
    })
    expect(answer.body.offer_state.activates_at).toBe('2030-01-01T01:00:00Z')
  })

  it('transfers an existing offer state to the member when given its token', async () => {
    const created = await api<OfferStateBody>(
      'POST',
      `/members/offer_states?offer_id=${sandbox.fixtures.offerId}`,
    )
    const { token, offer_state_id } = created.body.offer_state
    const claimed = await api<OfferStateBody>('POST', `/members/${member.id}/offer_states?token=${token}`)
    expect(claimed.status).toBe(200)
    expect(claimed.body.offer_state).toMatchObject({ offer_state_id, member_id: member.id })
    expect(sandbox.admin.getOfferState(offer_state_id)?.member_id).toBe(member.id)
  })

  it('answers 404 "Member not found" for an unknown member', async () => {
    const answer = await api('POST', `/members/1/offer_states?offer_id=${sandbox.fixtures.offerId}`)
    expect(answer.status).toBe(404)
    expect(answer.body).toEqual({ error: 'Member not found' })
  })
})

describe('offerStates.get / list / getByOffer', () => {
  it('gets one offer state of the member, 404 for another member or an unknown id', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const mine = await api<OfferStateBody>('GET', `/members/${member.id}/offer_states/${os.id}`)
    expect(mine.status).toBe(200)
    expect(mine.body.offer_state).toMatchObject({ offer_state_id: os.id, status: 'incomplete' })
    expect(mine.body.errors).toEqual({})

    const theirs = await api('GET', `/members/${other.id}/offer_states/${os.id}`)
    expect(theirs.status).toBe(404)
    expect(theirs.body).toEqual({ error: 'OfferState not found - not found' })
    expect((await api('GET', `/members/${member.id}/offer_states/123`)).status).toBe(404)
    expect((await api('GET', `/members/1/offer_states/${os.id}`)).body).toEqual({ error: 'Member not found' })
  })

  it('lists the member offer states (channel_id required: platform) with the paging fields', async () => {
    const ids = []
    for (let i = 0; i < 5; i++) ids.push((await issue(api, { campaign_id: xid, member_id: member.id })).id)
    await issue(api, { campaign_id: xid, member_id: other.id })

    const channel = sandbox.fixtures.channelId
    const noChannel = await api<Refusal>('GET', `/members/${member.id}/offer_states`)
    expect(noChannel.status).toBe(400)
    expect(noChannel.body.error).toBe("channel_id can't be blank")
    const all = await api<IndexBody>('GET', `/members/${member.id}/offer_states?channel_id=${channel}`)
    expect(all.body).toMatchObject({ page: 1, per_page: 50, total_entries: 5, total_pages: 1 })
    expect(all.body.offer_states.map((o) => o.offer_state.offer_state_id)).toEqual(ids)

    const second = await api<IndexBody>(
      'GET',
      `/members/${member.id}/offer_states?channel_id=${channel}&page=2&per_page=2`,
    )
    expect(second.body).toMatchObject({ page: 2, per_page: 2, total_entries: 5, total_pages: 3 })
    expect(second.body.offer_states.map((o) => o.offer_state.offer_state_id)).toEqual(ids.slice(2, 4))
    const last = await api<IndexBody>(
      'GET',
      `/members/${member.id}/offer_states?channel_id=${channel}&page=3&per_page=2`,
    )
    expect(last.body.offer_states).toHaveLength(1)

    // Neither description documents a refusal of page=0: it reads as the first page.
    const zero = await api<IndexBody>(
      'GET',
      `/members/${member.id}/offer_states?channel_id=${channel}&page=0`,
    )
    expect(zero.status).toBe(200)
    expect(zero.body.page).toBe(1)
  })

  it('gets the member latest offer state of an offer', async () => {
    await issue(api, { campaign_id: xid, member_id: member.id })
    const latest = await issue(api, { campaign_id: xid, member_id: member.id })
    const answer = await api<OfferStateBody>(
      'GET',
      `/members/${member.id}/offers/${sandbox.fixtures.offerId}`,
    )
    expect(answer.status).toBe(200)
    expect(answer.body.offer_state.offer_state_id).toBe(latest.id)

    const none = await api('GET', `/members/${other.id}/offers/${sandbox.fixtures.offerId}`)
    expect(none.status).toBe(404)
    expect(none.body).toEqual({ error: 'OfferState not found - not found' })
    expect((await api('GET', `/members/${member.id}/offers/1`)).body).toEqual({ error: 'Offer not found' })
  })

  it('accepts the .json extension Sparkfly allows', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const answer = await api<OfferStateBody>('GET', `/members/${member.id}/offer_states/${os.id}.json`)
    expect(answer.status).toBe(200)
    expect(answer.body.offer_state.offer_state_id).toBe(os.id)
  })
})

describe('offerStates.update (PUT /members/{member_id}/offer_states/{id})', () => {
  it('changes the window and external_ref_id', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const answer = await api<OfferStateBody>('PUT', `/members/${member.id}/offer_states/${os.id}`, {
      offer_state: { expires_at: '2030-03-01T00:00:00Z', external_ref_id: 'changed' },
    })
    expect(answer.status).toBe(200)
    expect(answer.body.offer_state).toMatchObject({
      expires_at: '2030-03-01T00:00:00Z',
      external_ref_id: 'changed',
    })
    expect(sandbox.admin.getOfferState(os.id)).toMatchObject({
      expires_at: '2030-03-01T00:00:00Z',
      external_ref_id: 'changed',
    })
  })

  it('applies the void rules to status "voided" and refuses other statuses', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const path = `/members/${member.id}/offer_states/${os.id}`
    expect((await api('PUT', path, { offer_state: { status: 'pending' } })).status).toBe(400)
    expect(
      (await api<OfferStateBody>('PUT', path, { offer_state: { status: 'voided' } })).body.offer_state.status,
    ).toBe('voided')
    const again = await api('PUT', path, { offer_state: { status: 'redeemed' } })
    expect(again.status).toBe(422)
    expect(again.body.error).toBe('Offer State already voided')
  })
})

describe('offerStates.redeem (POST /members/{member_id}/offer_states/{id})', () => {
  it('redeems once with an offer_state_update of status "redeemed" (redeemed_at: admin reads only)', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    sandbox.admin.clock.set('2030-01-01T03:04:05Z')
    const answer = await api<OfferStateBody>('POST', `/members/${member.id}/offer_states/${os.id}`, REDEEM)
    expect(answer.status).toBe(200)
    expect(answer.body.offer_state.status).toBe('redeemed')
    expect(answer.body.offer_state.updated_at).toBe('2030-01-01T03:04:05Z')
    for (const field of EXTENSIONS) expect(answer.body.offer_state).not.toHaveProperty(field)
    expect(sandbox.admin.getOfferState(os.id)?.redeemed_at).toBe('2030-01-01T03:04:05Z')

    const twice = await api('POST', `/members/${member.id}/offer_states/${os.id}`, REDEEM)
    expect(twice.status).toBe(422)
    expect(twice.body).toEqual({
      trace: twice.headers.get('x-request-id'),
      error: 'Offer State already redeemed',
    })
  })

  it('does not redeem on a POST whose body does not ask for it (platform profile: the body decides)', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const path = `/members/${member.id}/offer_states/${os.id}`
    const empty = await api<OfferStateBody>('POST', path)
    expect(empty.status).toBe(200)
    expect(empty.body.offer_state.status).toBe('incomplete')
    const other = await api('POST', path, { offer_state: { status: 'voided' } })
    expect(other.status).toBe(400)
    expect(sandbox.admin.getOfferState(os.id)?.status).toBe('incomplete')
  })

  it('offer-states profile: any POST redeems', async () => {
    const lenient = await startWithClient({ profile: 'offer-states' })
    try {
      const who = lenient.sandbox.fixtures.members[0]!.id
      const campaign = lenient.sandbox.fixtures.campaigns.active.xid
      const os = await issue(lenient.api, { campaign_id: campaign, member_id: who })
      const answer = await lenient.api<OfferStateBody>('POST', `/members/${who}/offer_states/${os.id}`)
      expect(answer.body.offer_state.status).toBe('redeemed')
    } finally {
      await lenient.sandbox.stop()
    }
  })

  it('refuses before activates_at and after expires_at, redeems inside the window', async () => {
    const os = await issue(api, {
      campaign_id: xid,
      member_id: member.id,
      activates_at: at(HOUR),
      expires_at: at(3 * HOUR),
    })
    const path = `/members/${member.id}/offer_states/${os.id}`
    const early = await api('POST', path, REDEEM)
    expect(early.status).toBe(422)
    expect(early.body.error).toBe('Offer State is not yet active')

    const late = await issue(api, { campaign_id: xid, member_id: member.id, expires_at: at(HOUR) })
    sandbox.admin.clock.advance(2 * HOUR)
    const expired = await api('POST', `/members/${member.id}/offer_states/${late.id}`, REDEEM)
    expect(expired.status).toBe(422)
    expect(expired.body.error).toBe('Offer State has expired')
    expect(sandbox.admin.getOfferState(late.id)?.status).toBe('incomplete')

    expect((await api('POST', path, REDEEM)).status).toBe(200)
  })

  it('refuses to redeem a voided offer state', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    await api('POST', `/members/${member.id}/offer_states/${os.id}/void`)
    const answer = await api('POST', `/members/${member.id}/offer_states/${os.id}`, REDEEM)
    expect(answer.status).toBe(422)
    expect(answer.body.error).toBe('Offer State already voided')
  })
})

describe('offerStates.void and voidByMemberIdentifier', () => {
  it('voids once; a second void answers 422 "Offer State already voided"', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const path = `/members/${member.id}/offer_states/${os.id}/void`
    const first = await api('POST', path)
    expect(first.status).toBe(200)
    expect(first.body).toBeUndefined()
    expect(sandbox.admin.getOfferState(os.id)).toMatchObject({
      status: 'voided',
      voided_at: expect.any(String),
    })
    const second = await api('POST', path)
    expect(second.status).toBe(422)
    expect(second.body).toEqual({
      trace: second.headers.get('x-request-id'),
      error: 'Offer State already voided',
    })
  })

  it('refuses to void a redeemed offer state and keeps it redeemed', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    await api('POST', `/members/${member.id}/offer_states/${os.id}`, REDEEM)
    const answer = await api('POST', `/members/${member.id}/offer_states/${os.id}/void`)
    expect(answer.status).toBe(422)
    expect(answer.body.error).toBe('Offer State already redeemed')
    expect(sandbox.admin.getOfferState(os.id)?.status).toBe('redeemed')
  })

  it('voids an expired offer state (what an expiry sweep does)', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id, expires_at: at(HOUR) })
    sandbox.admin.clock.advance(2 * HOUR)
    expect((await api('POST', `/members/${member.id}/offer_states/${os.id}/void`)).status).toBe(200)
  })

  it('answers 404 api_error bodies for an unknown member or offer state', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const wrongMember = await api('POST', `/members/${other.id}/offer_states/${os.id}/void`)
    expect(wrongMember.status).toBe(404)
    expect(wrongMember.body).toEqual({
      trace: expect.stringMatching(/^[0-9a-f]{32}$/),
      error: 'OfferState not found - not found',
    })
    const noMember = await api('POST', `/members/1/offer_states/${os.id}/void`)
    expect(noMember.body).toMatchObject({ error: 'Member not found' })
  })

  it('voids by member identifier; 400 without it, 404 for the wrong member, 422 the second time', async () => {
    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    const base = `/members/offer_states/${os.id}/void`
    const missing = await api<Refusal>('POST', base)
    expect(missing.status).toBe(400)
    expect(missing.body.error).toBe("member_identifier can't be blank")
    expect((await api('POST', `${base}?member_identifier=${other.identifier}`)).status).toBe(404)

    const voided = await api('POST', `${base}?member_identifier=${member.identifier}`)
    expect(voided.status).toBe(200)
    expect(sandbox.admin.getOfferState(os.id)?.status).toBe('voided')
    const again = await api('POST', `${base}?member_identifier=${member.identifier}`)
    expect(again.status).toBe(422)
    expect(again.body.error).toBe('Offer State already voided')
  })
})
