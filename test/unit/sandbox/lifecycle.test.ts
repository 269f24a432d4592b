import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../../local/sandbox'
import { type Api, client, type OfferStateWire, start } from './helpers'

type OfferStateBody = { offer_state: OfferStateWire }
type PageBody = { offer_states: OfferStateBody[] }
/** The body that redeems under every reading of the update-through-a-POST. */
const REDEEM = { offer_state: { status: 'redeemed' } }
type Issued = { offer_state: { id: number; member_id: number; credential_identifier: string } }

let sandbox: Sandbox

beforeAll(async () => {
  sandbox = await start()
})
afterAll(() => sandbox.stop())

/** given: a client that authenticated the way a production caller does. */
async function authenticate(): Promise<Api> {
  const answer = await fetch(`${sandbox.url}/auth`, {
    method: 'POST',
    headers: { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key },
  })
  expect(answer.status).toBe(204)
  return client(sandbox, answer.headers.get('x-auth-token')!)
}

describe('offer state lifecycle end to end', () => {
  it('auth -> issue -> query by code -> redeem -> second redeem refused -> void refused', async () => {
    const api = await authenticate()
    const member = sandbox.fixtures.members[0]!

    // when: an offer is issued to the member
    const issued = await api<Issued>('POST', '/members/offer_states/issue', {
      offer_state: {
        campaign_id: sandbox.fixtures.campaigns.active.xid,
        member_id: member.id,
        external_ref_id: 'evt-100',
      },
    })
    expect(issued.status).toBe(201)
    const { id, credential_identifier: code } = issued.body.offer_state

    // and: the POS looks the code up
    const found = await api<PageBody>('GET', `/members/offer_states?credential_identifier=${code}`)
    expect(found.status).toBe(200)
    expect(found.body.offer_states[0]?.offer_state).toMatchObject({
      offer_state_id: id,
      member_id: member.id,
      status: 'incomplete',
    })

    // then: it redeems once
    const redeemed = await api<OfferStateBody>('POST', `/members/${member.id}/offer_states/${id}`, REDEEM)
    expect(redeemed.status).toBe(200)
    expect(redeemed.body.offer_state.status).toBe('redeemed')

    // and: neither a second redeem nor a void goes through
    const again = await api('POST', `/members/${member.id}/offer_states/${id}`, REDEEM)
    expect([again.status, again.body.error]).toEqual([422, 'Offer State already redeemed'])
    const voided = await api('POST', `/members/${member.id}/offer_states/${id}/void`)
    expect([voided.status, voided.body.error]).toEqual([422, 'Offer State already redeemed'])

    const after = await api<PageBody>('GET', `/members/offer_states?credential_identifier=${code}`)
    expect(after.body.offer_states[0]?.offer_state.status).toBe('redeemed')
  })

  it('issue -> void -> second void 422 -> redeem refused', async () => {
    const api = await authenticate()
    const member = sandbox.fixtures.members[1]!
    const issued = await api<Issued>('POST', '/members/offer_states/issue', {
      offer_state: {
        campaign_id: sandbox.fixtures.campaigns.active.xid,
        member_identifier: member.identifier,
      },
    })
    const { id } = issued.body.offer_state

    const first = await api('POST', `/members/offer_states/${id}/void?member_identifier=${member.identifier}`)
    expect(first.status).toBe(200)
    expect(sandbox.admin.getOfferState(id)?.status).toBe('voided')

    const second = await api('POST', `/members/${member.id}/offer_states/${id}/void`)
    expect(second.status).toBe(422)
    expect(second.body.error).toBe('Offer State already voided')

    const redeem = await api('POST', `/members/${member.id}/offer_states/${id}`, REDEEM)
    expect([redeem.status, redeem.body.error]).toEqual([422, 'Offer State already voided'])
  })

  it('issue with expires_at -> advance the clock past it -> redeem refused', async () => {
    const api = await authenticate()
    const member = sandbox.fixtures.members[2]!
    const expiresAt = new Date(sandbox.admin.clock.now().getTime() + 2 * 3_600_000).toISOString()
    const issued = await api<Issued>('POST', '/members/offer_states/issue', {
      offer_state: {
        campaign_id: sandbox.fixtures.campaigns.active.xid,
        member_id: member.id,
        expires_at: expiresAt,
      },
    })
    const { id } = issued.body.offer_state

    sandbox.admin.clock.advance(3 * 3_600_000)
    const redeem = await api('POST', `/members/${member.id}/offer_states/${id}`, REDEEM)
    expect(redeem.status).toBe(422)
    expect(redeem.body.error).toBe('Offer State has expired')
    expect(sandbox.admin.getOfferState(id)?.status).toBe('incomplete')
  })
})
