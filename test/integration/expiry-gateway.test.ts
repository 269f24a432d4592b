import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sparkflyExpiryGateway } from '../../lib/expiry/sparkflyGateway'
import { type LedgerEntry, ledgerKey, OfferKind } from '../../lib/ledger'
import { createSparkflyClientWithTokenProvider } from '../../lib/sparkfly'
import { type Sandbox, startSandbox } from '../../local/sandbox'

let sandbox: Sandbox
let gateway: ReturnType<typeof sparkflyExpiryGateway>

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
  gateway = sparkflyExpiryGateway(client)
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

function credential(status?: 'active' | 'redeemed' | 'voided'): LedgerEntry {
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
    code: c.identifier,
    memberId: String(member().id),
    sourceId: 'test',
    issuedAt: c.created_at,
    updatedAt: c.created_at,
  }
}

describe('sparkflyExpiryGateway', () => {
  it('reads what Sparkfly holds: open, redeemed (with when), voided, unknown', async () => {
    expect(await gateway.look(offerState())).toEqual({ status: 'open' })
    expect(await gateway.look(offerState({ status: 'redeemed' }))).toEqual({
      status: 'redeemed',
      at: expect.any(String),
    })
    expect(await gateway.look(offerState({ status: 'voided' }))).toMatchObject({ status: 'voided' })
    expect(await gateway.look(credential())).toEqual({ status: 'open' })
    expect(await gateway.look(credential('redeemed'))).toMatchObject({ status: 'redeemed' })
    expect(await gateway.look({ ...offerState(), id: '999999999' })).toEqual({ status: 'not_found' })
    expect(await gateway.look({ ...credential(), id: '999999999' })).toEqual({ status: 'not_found' })
  })

  it('finds an offer state known only by the member identifier through its code, and voids it that way', async () => {
    const entry = offerState({ byIdentifier: true })

    expect(await gateway.look(entry)).toEqual({ status: 'open' })
    expect(await gateway.void(entry)).toBe('voided')

    expect(sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('voided')
    expect(sandbox.admin.counters()['offerStates.voidByMemberIdentifier']).toBe(1)
  })

  it('voids once; a second void or a void of a redeemed offer comes back as a result, not an error', async () => {
    const entry = offerState()
    expect(await gateway.void(entry)).toBe('voided')
    expect(await gateway.void(entry)).toBe('already_voided')
    expect(await gateway.void(offerState({ status: 'redeemed' }))).toBe('already_redeemed')

    const cred = credential()
    expect(await gateway.void(cred)).toBe('voided')
    expect(sandbox.admin.getCredential(Number(cred.id))?.status).toBe('voided')
    expect(await gateway.void(cred)).toBe('already_voided')
    expect(await gateway.void(credential('redeemed'))).toBe('already_redeemed')
  })
})
