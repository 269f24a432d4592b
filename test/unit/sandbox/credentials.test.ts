import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../../local/sandbox'
import { type Api, type CredentialWire, startWithClient } from './helpers'

type CredentialBody = { credential: CredentialWire; errors: Record<string, unknown> }
type ListBody = {
  page: number
  per_page: number
  total_entries: number
  total_pages: number
  credentials: CredentialBody[]
}
type Refusal = { error: string; message: string }

let sandbox: Sandbox
let api: Api
let memberId: number
let offerId: number

beforeAll(async () => {
  ;({ sandbox, api } = await startWithClient({ now: '2030-05-01T12:00:00Z', freezeClock: true }))
})
afterAll(() => sandbox.stop())
beforeEach(() => {
  sandbox.admin.reset()
  sandbox.admin.clock.set('2030-05-01T12:00:00Z')
  memberId = sandbox.fixtures.members[0]!.id
  offerId = sandbox.fixtures.offerId
})

async function create(fields: Record<string, unknown> = {}): Promise<CredentialWire> {
  const answer = await api<CredentialBody>('POST', '/credentials', {
    credential: { member_id: memberId, offer_id: offerId, channel_id: sandbox.fixtures.channelId, ...fields },
  })
  if (answer.status !== 201)
    throw new Error(`create answered ${answer.status}: ${JSON.stringify(answer.body)}`)
  return answer.body.credential
}

describe('credentials.create (POST /credentials)', () => {
  it('creates an open credential with a random identifier (201, annotations as JSON text: platform profile)', async () => {
    const answer = await api<CredentialBody>('POST', '/credentials', {
      credential: {
        member_id: memberId,
        offer_id: offerId,
        channel_id: sandbox.fixtures.channelId,
        store_id: sandbox.fixtures.storeId,
        annotations: { conv_ids: 'a1' },
      },
    })
    expect(answer.status).toBe(201)
    expect(answer.body.errors).toEqual({})
    expect(answer.body.credential).toMatchObject({
      member_id: memberId,
      offer_ids: [offerId],
      channel_id: sandbox.fixtures.channelId,
      store_id: sandbox.fixtures.storeId,
      status: 'open',
      annotations: JSON.stringify({ conv_ids: 'a1' }),
      created_at: '2030-05-01T12:00:00Z',
      redeemed_at: null,
      voided_at: null,
      offer_name: 'Free Medium Fries',
    })
    expect(String(answer.body.credential.id)).toMatch(/^\d{6,9}$/)
    expect(answer.body.credential.identifier).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/)
  })

  it('also reads member_id / offer_id / channel_id from the query string, as the Sparkfly guide does', async () => {
    const answer = await api<CredentialBody>(
      'POST',
      `/credentials?member_id=${memberId}&offer_id=${offerId}&channel_id=${sandbox.fixtures.channelId}`,
    )
    expect(answer.status).toBe(201)
    expect(answer.body.credential).toMatchObject({ member_id: memberId, offer_ids: [offerId] })
  })

  it('needs channel_id: 400 {"error": "channel_id is required", "message"} and nothing is created', async () => {
    const answer = await api<Refusal>('POST', '/credentials', {
      credential: { member_id: memberId, offer_id: offerId },
    })
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({ error: 'channel_id is required', message: 'channel_id is required' })
    expect(sandbox.admin.credentials()).toHaveLength(0)
  })

  it('creates a credential with no offer: identifier null and offer_ids [] (the guide)', async () => {
    const answer = await api<CredentialBody>(
      'POST',
      `/credentials?member_id=${memberId}&channel_id=${sandbox.fixtures.channelId}`,
    )
    expect(answer.status).toBe(201)
    expect(answer.body.credential).toMatchObject({ identifier: null, offer_ids: [], status: 'open' })
    const attached = await api<CredentialBody>(
      'PUT',
      `/credentials/${answer.body.credential.id}?channel_id=${sandbox.fixtures.channelId}&offer_ids=${offerId}`,
    )
    expect(attached.body.credential.offer_ids).toEqual([offerId])
    expect(attached.body.credential.identifier).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/)
  })

  it('answers 400 {"error", "message"} for missing or unknown member, offer, channel and store', async () => {
    const channel = sandbox.fixtures.channelId
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ offer_id: offerId, channel_id: channel }, "member_id can't be blank"],
      [{ member_id: 1, offer_id: offerId, channel_id: channel }, 'member_id does not exist'],
      [{ member_id: memberId, offer_id: 1, channel_id: channel }, 'offer_id offer 1 does not exist'],
      [{ member_id: memberId, offer_id: 'x', channel_id: channel }, 'offer_id is not a valid integer'],
      [{ member_id: memberId, offer_id: offerId, channel_id: 1 }, 'channel_id does not exist'],
      [
        { member_id: memberId, offer_id: offerId, channel_id: channel, store_id: 1 },
        'store_id does not exist',
      ],
    ]
    for (const [credential, problem] of cases) {
      const answer = await api<Refusal>('POST', '/credentials', { credential })
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({ error: problem, message: problem })
    }
    const suspended = await api<Refusal>('POST', '/credentials', {
      credential: {
        member_id: memberId,
        offer_id: sandbox.fixtures.campaigns.suspended.offerId,
        channel_id: channel,
      },
    })
    expect(suspended.body.error).toMatch(/is not active$/)
    expect(sandbox.admin.credentials()).toHaveLength(0)
  })

  it('offer-states profile: 200 on success, 422 {"error", "message"} when refused, annotations as an object', async () => {
    const other = await startWithClient({ profile: 'offer-states' })
    try {
      const fixtures = other.sandbox.fixtures
      const ok = await other.api<CredentialBody>('POST', '/credentials', {
        credential: {
          member_id: fixtures.members[0]!.id,
          offer_id: fixtures.offerId,
          channel_id: fixtures.channelId,
          annotations: { a: 'b' },
        },
      })
      expect(ok.status).toBe(200)
      expect(ok.body.credential.annotations).toEqual({ a: 'b' })
      const refused = await other.api<Refusal>('POST', '/credentials', { credential: { member_id: 1 } })
      expect(refused.status).toBe(422)
      expect(refused.body.error).toBe('channel_id is required')
    } finally {
      await other.sandbox.stop()
    }
  })
})

describe('credentials.get / list', () => {
  it('gets a credential by id, 404 {"trace", "error"} for an unknown id', async () => {
    const credential = await create()
    const answer = await api<CredentialBody>('GET', `/credentials/${credential.id}`)
    expect(answer.status).toBe(200)
    expect(answer.body.credential).toMatchObject({ id: credential.id, identifier: credential.identifier })

    const missing = await api('GET', '/credentials/123456')
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({
      trace: missing.headers.get('x-request-id'),
      error: 'Credential not found',
    })
  })

  it('lists with member_id / offer_id / store_id filters and pagination fields', async () => {
    const other = sandbox.fixtures.members[1]!.id
    const mine = [await create(), await create(), await create({ store_id: sandbox.fixtures.storeId })]
    await create({ member_id: other })

    const all = await api<ListBody>('GET', '/credentials')
    expect(all.body).toMatchObject({ page: 1, per_page: 50, total_entries: 4, total_pages: 1 })

    const byMember = await api<ListBody>('GET', `/credentials?member_id=${memberId}&per_page=2`)
    expect(byMember.body).toMatchObject({ page: 1, per_page: 2, total_entries: 3, total_pages: 2 })
    expect(byMember.body.credentials.map((c) => c.credential.id)).toEqual([mine[0]!.id, mine[1]!.id])
    const page2 = await api<ListBody>('GET', `/credentials?member_id=${memberId}&per_page=2&page=2`)
    expect(page2.body.credentials.map((c) => c.credential.id)).toEqual([mine[2]!.id])

    const byStore = await api<ListBody>('GET', `/credentials?store_id=${sandbox.fixtures.storeId}`)
    expect(byStore.body.credentials.map((c) => c.credential.id)).toEqual([mine[2]!.id])
    const byOffer = await api<ListBody>(
      'GET',
      `/credentials?offer_id=${sandbox.fixtures.campaigns.suspended.offerId}`,
    )
    expect(byOffer.body.total_entries).toBe(0)
    expect(byOffer.body.total_pages).toBe(0)
  })
})

describe('credentials.update / delete', () => {
  it('updates store, channel and offers with 201', async () => {
    const credential = await create()
    const { offerId: second } = sandbox.admin.createCampaign({ offerName: 'Second Offer' })
    const answer = await api<CredentialBody>('PUT', `/credentials/${credential.id}`, {
      credential: { store_id: sandbox.fixtures.storeId, channel_id: sandbox.fixtures.channelId },
    })
    expect(answer.status).toBe(201)
    expect(answer.body.credential).toMatchObject({
      store_id: sandbox.fixtures.storeId,
      channel_id: sandbox.fixtures.channelId,
    })

    const offers = await api<CredentialBody>(
      'PUT',
      `/credentials/${credential.id}?offer_ids=${offerId},${second}`,
    )
    expect(offers.body.credential.offer_ids).toEqual([offerId, second])
    expect(sandbox.admin.getCredential(credential.id)?.offer_ids).toEqual([offerId, second])
  })

  it('refuses an unknown offer with 400 and an unknown credential with 404', async () => {
    const credential = await create()
    const bad = await api<Refusal>('PUT', `/credentials/${credential.id}`, { credential: { offer_id: 1 } })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('offer_id offer 1 does not exist')
    expect(sandbox.admin.getCredential(credential.id)?.offer_ids).toEqual([offerId])
    expect((await api('PUT', '/credentials/123456', { credential: {} })).status).toBe(404)
  })

  it('deletes with 200 and the deleted credential; it is gone afterwards', async () => {
    const credential = await create()
    const answer = await api<CredentialBody>('DELETE', `/credentials/${credential.id}`)
    expect(answer.status).toBe(200)
    expect(answer.body.credential.id).toBe(credential.id)
    expect((await api('GET', `/credentials/${credential.id}`)).status).toBe(404)
    expect((await api<ListBody>('GET', '/credentials')).body.total_entries).toBe(0)
    expect((await api('DELETE', `/credentials/${credential.id}`)).status).toBe(404)
  })
})

describe('credentials.redeem / void', () => {
  it('redeems once (201, status redeemed); again -> 422 "Credential already redeemed"; void after -> 422', async () => {
    const credential = await create()
    sandbox.admin.clock.set('2030-05-01T13:00:00Z')
    const redeemed = await api<CredentialBody>('PUT', `/credentials/${credential.id}/redeem`)
    expect(redeemed.status).toBe(201)
    expect(redeemed.body.credential).toMatchObject({
      status: 'redeemed',
      redeemed_at: '2030-05-01T13:00:00Z',
    })

    const again = await api('PUT', `/credentials/${credential.id}/redeem`)
    expect(again.status).toBe(422)
    expect(again.body).toEqual({
      trace: again.headers.get('x-request-id'),
      error: 'Credential already redeemed',
    })
    const voided = await api('PUT', `/credentials/${credential.id}/void`)
    expect(voided.status).toBe(422)
    expect(voided.body.error).toBe('Credential already redeemed')
    expect(sandbox.admin.getCredential(credential.id)?.status).toBe('redeemed')
  })

  it('voids once (201, status voided); again -> 422 "Credential already voided"; redeem after -> 422', async () => {
    const credential = await create()
    const voided = await api<CredentialBody>('PUT', `/credentials/${credential.id}/void`)
    expect(voided.status).toBe(201)
    expect(voided.body.credential).toMatchObject({ status: 'voided', voided_at: '2030-05-01T12:00:00Z' })

    const again = await api('PUT', `/credentials/${credential.id}/void`)
    expect(again.status).toBe(422)
    expect(again.body.error).toBe('Credential already voided')
    const redeem = await api('PUT', `/credentials/${credential.id}/redeem`)
    expect(redeem.status).toBe(422)
    expect(redeem.body.error).toBe('Credential already voided')
  })

  it('lets a reusable credential be redeemed more than once', async () => {
    const credential = await create({ reusable: true })
    expect((await api('PUT', `/credentials/${credential.id}/redeem`)).status).toBe(201)
    expect((await api('PUT', `/credentials/${credential.id}/redeem`)).status).toBe(201)
  })

  it('answers 404 for an unknown credential', async () => {
    expect((await api('PUT', '/credentials/123456/redeem')).status).toBe(404)
    expect((await api('PUT', '/credentials/123456/void')).status).toBe(404)
  })
})

describe('credentials.eligibility (GET /credentials/eligible)', () => {
  it('answers {is_eligible, status} for eligible, unknown member, unknown offer and inactive offer', async () => {
    const ask = (member: number, offer: number) =>
      api('GET', `/credentials/eligible?member_id=${member}&offer_id=${offer}`).then((a) => a.body)
    expect(await ask(memberId, offerId)).toEqual({ is_eligible: true, status: 'eligible' })
    expect(await ask(1, offerId)).toEqual({ is_eligible: false, status: 'member_not_found' })
    expect(await ask(memberId, 1)).toEqual({ is_eligible: false, status: 'offer_not_found' })
    expect(await ask(memberId, sandbox.fixtures.campaigns.suspended.offerId)).toEqual({
      is_eligible: false,
      status: 'offer_not_active',
    })
  })

  it('answers 400 without member_id or offer_id', async () => {
    const answer = await api<Refusal>('GET', '/credentials/eligible')
    expect(answer.status).toBe(400)
    expect(answer.body.message).toBe("member_id can't be blank; offer_id can't be blank")
  })
})
