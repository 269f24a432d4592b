import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LedgerEntry, ledgerKey, OfferKind } from '../../lib/ledger'
import { type Offers, sparkflyOffers } from '../../lib/offers'
import { createSparkflyClientWithTokenProvider } from '../../lib/sparkfly'
import { type Sandbox, startSandbox } from '../../local/sandbox'

let sandbox: Sandbox
let offers: Offers

beforeAll(async () => {
  sandbox = await startSandbox({ quiet: true })
  const client = createSparkflyClientWithTokenProvider({
    baseUrl: sandbox.url,
    tokenProvider: async () => {
      const answer = await fetch(`${sandbox.url}/auth`, {
        method: 'POST',
        headers: { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key },
      })
      return answer.headers.get('x-auth-token') ?? ''
    },
  })
  offers = sparkflyOffers(client)
})
afterAll(() => sandbox?.stop())

const member = () => sandbox.fixtures.members[0]!

/** A ledger entry for an offer state written straight into the sandbox. */
function offerState(
  options: { status?: 'incomplete' | 'redeemed' | 'voided'; byIdentifier?: boolean } = {},
): LedgerEntry {
  const os = sandbox.admin.createOfferState({
    memberId: member().id,
    campaignXid: sandbox.fixtures.campaigns.active.xid,
    ...(options.status ? { status: options.status } : {}),
  })
  const id = String(os.offer_state_id)
  return {
    pk: ledgerKey.offer(OfferKind.offerState, id),
    kind: OfferKind.offerState,
    id,
    status: 'issued',
    code: String(os.credential_identifier),
    ...(options.byIdentifier ? { memberIdentifier: member().identifier } : { memberId: String(member().id) }),
    sourceId: 'test',
    issuedAt: os.created_at,
    updatedAt: os.created_at,
  }
}

function credential(status?: 'open' | 'redeemed' | 'voided'): LedgerEntry {
  const c = sandbox.admin.createCredential({
    memberId: member().id,
    offerId: sandbox.fixtures.offerId,
    ...(status ? { status } : {}),
  })
  const id = String(c.id)
  return {
    pk: ledgerKey.offer(OfferKind.credential, id),
    kind: OfferKind.credential,
    id,
    status: 'issued',
    code: c.identifier ?? undefined,
    memberId: String(member().id),
    sourceId: 'test',
    issuedAt: c.created_at,
    updatedAt: c.created_at,
  }
}

// The offers port's operations the expiry sweep uses (get, void), called with ledger entries as refs.
describe('sparkflyOffers for the expiry sweep', () => {
  it('reads what Sparkfly holds: open, redeemed (with when), voided, unknown', async () => {
    expect(await offers.get(offerState())).toMatchObject({ kind: 'offerState', status: 'open' })
    const redeemed = await offers.get(offerState({ status: 'redeemed' }))
    expect(redeemed).toMatchObject({ status: 'redeemed', redeemedAt: expect.any(String) })
    expect(await offers.get(offerState({ status: 'voided' }))).toMatchObject({ status: 'voided' })
    expect(await offers.get(credential())).toMatchObject({ kind: 'credential', status: 'open' })
    expect(await offers.get(credential('redeemed'))).toMatchObject({ status: 'redeemed' })
    expect(await offers.get({ ...offerState(), id: '999999999' })).toBeUndefined()
    expect(await offers.get({ ...credential(), id: '999999999' })).toBeUndefined()
  })

  it('finds an offer state known only by the member identifier through its code, and voids it that way', async () => {
    const entry = offerState({ byIdentifier: true })

    expect(await offers.get(entry)).toMatchObject({ id: entry.id, status: 'open' })
    expect(await offers.void(entry)).toEqual({ outcome: 'voided' })

    expect(sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('voided')
    expect(sandbox.admin.counters()['offerStates.voidByMemberIdentifier']).toBe(1)
  })

  it('voids once; a second void or a void of a redeemed offer comes back as an outcome, not an error', async () => {
    const entry = offerState()
    expect(await offers.void(entry)).toEqual({ outcome: 'voided' })
    expect(await offers.void(entry)).toEqual({ outcome: 'already_voided' })
    expect(await offers.void(offerState({ status: 'redeemed' }))).toEqual({ outcome: 'already_redeemed' })

    const cred = credential()
    expect(await offers.void(cred)).toMatchObject({ outcome: 'voided' })
    expect(sandbox.admin.getCredential(Number(cred.id))?.status).toBe('voided')
    expect(await offers.void(cred)).toEqual({ outcome: 'already_voided' })
    expect(await offers.void(credential('redeemed'))).toEqual({ outcome: 'already_redeemed' })
  })

  it('answers not_found for a void of an offer Sparkfly does not know', async () => {
    expect(await offers.void({ ...credential(), id: '999999999' })).toEqual({ outcome: 'not_found' })
  })
})
