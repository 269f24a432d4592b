import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Ledger, LedgerStatus, type NewLedgerEntry, OfferKind } from '../../../lib/ledger'
import { noteVoidIntent } from '../../../lib/ledger/intents'
import { type Offer, OfferStatus } from '../../../lib/offers'
import { SparkflyServerError } from '../../../lib/sparkfly'
import {
  VoidConflict,
  VoidConflictError,
  type VoidDeps,
  VoidNotFoundError,
  voidOffer,
} from '../../../lib/voiding'
import { startLedgerDynamo } from '../../support/dynamo'
import { FakeOffers } from '../../support/fakeOffers'
import { FakePublisher } from './fakes'

let dynamo: Awaited<ReturnType<typeof startLedgerDynamo>>
let ledger: Ledger
let offers: FakeOffers
let publisher: FakePublisher
let deps: VoidDeps
let seq = 0
const nextId = () => String(500_000 + ++seq)
const staff = { changedBy: 'staff-7', requestId: 'req-1' }

/** The references Sparkfly was asked to void, in order. */
const voidCalls = () => offers.callsOf('void').map((call) => call.args[0])
/** Reads of Sparkfly (by id or by code). */
const reads = () => offers.calls.filter((call) => call.operation === 'get' || call.operation === 'findByCode')
/** Changes an offer's status in Sparkfly behind the project's back. */
function setRemoteStatus(kind: Offer['kind'], id: string, status: Offer['status']): void {
  const offer = offers.peek(kind, id)
  if (!offer) throw new Error(`no ${kind} ${id} in the fake`)
  offers.seed({ ...offer, status })
}

beforeAll(async () => {
  dynamo = await startLedgerDynamo('voiding-unit')
  ledger = new Ledger({ tableName: dynamo.tableName, client: dynamo.documentClient })
})
afterAll(() => dynamo.stop())

beforeEach(() => {
  offers = new FakeOffers()
  publisher = new FakePublisher()
  deps = { offers, ledger, publisher, eventSource: 'urn:test' }
})

/** Given an offer state issued by the project: in Sparkfly and in the ledger. */
async function issuedOfferState(overrides: Partial<NewLedgerEntry> = {}) {
  const id = nextId()
  const input: NewLedgerEntry = {
    kind: OfferKind.offerState,
    id,
    code: `CODE${id}`,
    memberId: '42',
    campaignId: 'xid-1',
    offerId: '7',
    sourceId: `evt-${id}`,
    issuedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-12-01T00:00:00.000Z',
    ...overrides,
  }
  offers.seed({
    kind: input.kind,
    id,
    code: input.code,
    memberId: input.memberId,
    memberIdentifier: input.memberIdentifier,
  })
  return (await ledger.record(input)).entry
}

async function issuedCredential() {
  const id = nextId()
  offers.seed({ kind: OfferKind.credential, id, code: `CRED${id}`, memberId: '42', offerId: '7' })
  return (
    await ledger.record({
      kind: OfferKind.credential,
      id,
      code: `CRED${id}`,
      memberId: '42',
      offerId: '7',
      sourceId: `evt-${id}`,
      issuedAt: '2026-01-01T00:00:00.000Z',
    })
  ).entry
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the void to be refused')
    },
    (error: unknown) => error,
  )
}

describe('voidOffer: offers in the ledger', () => {
  it('voids an offer state by id + member id: one Sparkfly void, ledger voided with reason and actor, one event', async () => {
    const entry = await issuedOfferState()

    const outcome = await voidOffer({ offerStateId: entry.id, memberId: '42' }, 'Fraud ticket 1', staff, deps)

    expect(outcome.tracked).toBe(true)
    expect(outcome.offer).toMatchObject({
      id: entry.id,
      status: 'voided',
      reason: 'Fraud ticket 1',
      voidedBy: 'staff-7',
    })
    expect(voidCalls()).toEqual([{ kind: 'offerState', id: entry.id, memberId: '42' }])
    expect(offers.peek(OfferKind.offerState, entry.id)?.status).toBe(OfferStatus.voided)
    expect(await ledger.get(OfferKind.offerState, entry.id)).toMatchObject({
      status: 'voided',
      voidReason: 'Fraud ticket 1',
      changedBy: 'staff-7',
    })
    expect(publisher.events).toHaveLength(1)
    expect(publisher.events[0]).toMatchObject({
      type: 'offer.voided',
      id: `offer.voided:os#${entry.id}`,
      data: {
        offer: { kind: 'offerState', id: entry.id, status: 'voided', code: entry.code },
        member: { id: '42' },
        sourceId: 'req-1',
        reason: 'Fraud ticket 1',
        changedBy: 'staff-7',
      },
    })
  })

  it('voids by member identifier through the identifier endpoint', async () => {
    const entry = await issuedOfferState({ memberId: undefined, memberIdentifier: 'ext-42' })

    await voidOffer({ offerStateId: entry.id, memberIdentifier: 'ext-42' }, 'Customer asked', staff, deps)

    expect(voidCalls()).toEqual([{ kind: 'offerState', id: entry.id, memberIdentifier: 'ext-42' }])
    expect((await ledger.get(OfferKind.offerState, entry.id))?.status).toBe('voided')
  })

  it('voids a credential by id', async () => {
    const entry = await issuedCredential()

    const { offer } = await voidOffer({ credentialId: entry.id }, 'Duplicate', staff, deps)

    expect(offer).toMatchObject({ kind: 'credential', id: entry.id, status: 'voided' })
    expect(voidCalls()).toEqual([{ kind: 'credential', id: entry.id }])
  })

  it('voids by code: the ledger names the offer and its member, Sparkfly is not searched', async () => {
    const entry = await issuedOfferState()

    const { offer } = await voidOffer({ code: entry.code ?? '' }, 'Stolen receipt', staff, deps)

    expect(offer).toMatchObject({ id: entry.id, status: 'voided' })
    expect(voidCalls()).toEqual([{ kind: 'offerState', id: entry.id, memberId: '42' }])
    expect(reads()).toEqual([])
  })

  it('refuses a second void with the current state and calls Sparkfly only once', async () => {
    const entry = await issuedOfferState()
    await voidOffer({ offerStateId: entry.id, memberId: '42' }, 'first', staff, deps)

    const error = await refusal(
      voidOffer(
        { offerStateId: entry.id, memberId: '42' },
        'second',
        { changedBy: 'staff-8', requestId: 'r2' },
        deps,
      ),
    )

    expect(error).toBeInstanceOf(VoidConflictError)
    expect(error).toMatchObject({
      conflict: VoidConflict.alreadyVoided,
      offer: { id: entry.id, status: 'voided', reason: 'first', voidedBy: 'staff-7' },
    })
    expect(voidCalls()).toHaveLength(1)
    expect(publisher.events).toHaveLength(1)
  })

  it.each([
    [LedgerStatus.redeemed, VoidConflict.alreadyRedeemed],
    [LedgerStatus.expired, VoidConflict.expired],
  ] as const)('refuses an offer %s in the ledger without calling Sparkfly', async (status, conflict) => {
    const entry = await issuedOfferState()
    await ledger.transition(OfferKind.offerState, entry.id, status, { at: '2026-01-02T00:00:00.000Z' })

    const error = await refusal(voidOffer({ offerStateId: entry.id, memberId: '42' }, 'r', staff, deps))

    expect(error).toMatchObject({ conflict, offer: { status } })
    expect(voidCalls()).toEqual([])
  })

  it("answers not found for another member's offer state, without calling Sparkfly", async () => {
    const entry = await issuedOfferState()

    const error = await refusal(voidOffer({ offerStateId: entry.id, memberId: '43' }, 'r', staff, deps))

    expect(error).toBeInstanceOf(VoidNotFoundError)
    expect(voidCalls()).toEqual([])
    expect((await ledger.get(OfferKind.offerState, entry.id))?.status).toBe('issued')
  })

  it('completes the record when Sparkfly already voided it (an earlier attempt died after its call)', async () => {
    const entry = await issuedOfferState()
    setRemoteStatus(OfferKind.offerState, entry.id, OfferStatus.voided)

    const error = await refusal(voidOffer({ offerStateId: entry.id, memberId: '42' }, 'retry', staff, deps))

    expect(error).toMatchObject({ conflict: VoidConflict.alreadyVoided })
    expect(await ledger.get(OfferKind.offerState, entry.id)).toMatchObject({
      status: 'voided',
      voidReason: 'retry',
    })
    expect(publisher.events.map((e) => e.type)).toEqual(['offer.voided'])
  })

  it('reports a redemption Sparkfly knows of without changing the ledger', async () => {
    const entry = await issuedOfferState()
    setRemoteStatus(OfferKind.offerState, entry.id, OfferStatus.redeemed)

    const error = await refusal(voidOffer({ offerStateId: entry.id, memberId: '42' }, 'r', staff, deps))

    expect(error).toMatchObject({ conflict: VoidConflict.alreadyRedeemed, offer: { status: 'redeemed' } })
    expect((await ledger.get(OfferKind.offerState, entry.id))?.status).toBe('issued')
    expect(publisher.events).toEqual([])
  })

  it('leaves the offer issued when Sparkfly fails, so a retry can void it', async () => {
    const entry = await issuedOfferState()
    offers.fail('void', { error: new SparkflyServerError('Sparkfly failed', { status: 503 }) })

    await expect(
      voidOffer({ offerStateId: entry.id, memberId: '42' }, 'r', staff, deps),
    ).rejects.toBeInstanceOf(SparkflyServerError)
    expect((await ledger.get(OfferKind.offerState, entry.id))?.status).toBe('issued')
    expect(publisher.events).toEqual([])

    await voidOffer({ offerStateId: entry.id, memberId: '42' }, 'r', staff, deps)
    expect((await ledger.get(OfferKind.offerState, entry.id))?.status).toBe('voided')
  })

  it('publishes the event on the retry when the first publish was lost', async () => {
    const entry = await issuedOfferState()
    publisher.failNextPublish()

    await expect(voidOffer({ offerStateId: entry.id, memberId: '42' }, 'r', staff, deps)).rejects.toThrow(
      'SQS unavailable',
    )
    expect((await ledger.get(OfferKind.offerState, entry.id))?.status).toBe('issued')

    const error = await refusal(voidOffer({ offerStateId: entry.id, memberId: '42' }, 'r', staff, deps))
    expect(error).toMatchObject({ conflict: VoidConflict.alreadyVoided })
    expect(publisher.events.map((e) => e.id)).toEqual([`offer.voided:os#${entry.id}`])
    expect((await ledger.get(OfferKind.offerState, entry.id))?.status).toBe('voided')
  })

  it('makes one Sparkfly call when the same offer is voided twice at once in this container', async () => {
    const entry = await issuedOfferState()

    const results = await Promise.allSettled([
      voidOffer({ offerStateId: entry.id, memberId: '42' }, 'a', staff, deps),
      voidOffer({ code: entry.code ?? '' }, 'b', staff, deps),
    ])

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    expect(voidCalls()).toHaveLength(1)
    expect(publisher.events).toHaveLength(1)
  })
})

describe('voidOffer: offers issued elsewhere (not in the ledger)', () => {
  it('reads, voids and records an offer state as voided, with the request as its source', async () => {
    const id = nextId()
    offers.seed({
      kind: OfferKind.offerState,
      id,
      code: `EXT${id}`,
      memberId: '42',
      offerId: '9',
      campaignId: 'xid-9',
    })

    const outcome = await voidOffer(
      { offerStateId: id, memberId: '42' },
      'Issued by the old system',
      staff,
      deps,
    )

    expect(outcome.tracked).toBe(false)
    expect(outcome.offer).toMatchObject({ id, status: 'voided', code: `EXT${id}` })
    expect(await ledger.get(OfferKind.offerState, id)).toMatchObject({
      status: 'voided',
      sourceId: 'req-1',
      code: `EXT${id}`,
      memberId: '42',
      campaignId: 'xid-9',
      voidReason: 'Issued by the old system',
      changedBy: 'staff-7',
    })
    expect(publisher.events).toHaveLength(1)

    // Now in the ledger: a second void is refused there, with no Sparkfly call.
    await expect(voidOffer({ code: `EXT${id}` }, 'again', staff, deps)).rejects.toMatchObject({
      conflict: VoidConflict.alreadyVoided,
    })
    expect(voidCalls()).toHaveLength(1)
  })

  it('finds an offer state by code in Sparkfly and voids it for its member', async () => {
    const id = nextId()
    offers.seed({ kind: OfferKind.offerState, id, code: `EXT${id}`, memberId: '77' })

    await voidOffer({ code: `EXT${id}` }, 'r', staff, deps)

    expect(voidCalls()).toEqual([{ kind: 'offerState', id, memberId: '77' }])
    expect(await ledger.findByCode(`EXT${id}`)).toMatchObject({ id, status: 'voided' })
  })

  it('voids by member identifier without a read (Sparkfly has none by identifier)', async () => {
    const id = nextId()
    offers.seed({ kind: OfferKind.offerState, id, memberId: '42', memberIdentifier: 'ext-1' })

    await voidOffer({ offerStateId: id, memberIdentifier: 'ext-1' }, 'r', staff, deps)

    expect(reads()).toEqual([])
    expect(await ledger.get(OfferKind.offerState, id)).toMatchObject({
      status: 'voided',
      memberIdentifier: 'ext-1',
    })
  })

  it('refuses an offer Sparkfly reports voided, without a void call', async () => {
    const id = nextId()
    offers.seed({ kind: OfferKind.credential, id, status: 'voided' })

    await expect(voidOffer({ credentialId: id }, 'r', staff, deps)).rejects.toMatchObject({
      conflict: VoidConflict.alreadyVoided,
      offer: { kind: 'credential', id, status: 'voided' },
    })
    expect(voidCalls()).toEqual([])
    expect(await ledger.get(OfferKind.credential, id)).toBeUndefined()
  })

  it.each([
    ['offer state', { offerStateId: '999999991', memberId: '42' }],
    ['credential', { credentialId: '999999992' }],
    ['code', { code: 'NOPE' }],
  ] as const)('answers not found for an unknown %s, without a void call', async (_name, target) => {
    await expect(voidOffer(target, 'r', staff, deps)).rejects.toBeInstanceOf(VoidNotFoundError)
    expect(voidCalls()).toEqual([])
  })

  it('answers not found when Sparkfly does not know the member identifier', async () => {
    await expect(
      voidOffer({ offerStateId: '999999993', memberIdentifier: 'nobody' }, 'r', staff, deps),
    ).rejects.toBeInstanceOf(VoidNotFoundError)
    expect(await ledger.get(OfferKind.offerState, '999999993')).toBeUndefined()
  })

  it('refuses an offer state without a member (Sparkfly cannot void it)', async () => {
    const id = nextId()
    offers.seed({ kind: OfferKind.offerState, id, code: `ANON${id}` })

    await expect(voidOffer({ code: `ANON${id}` }, 'r', staff, deps)).rejects.toMatchObject({
      conflict: VoidConflict.noMember,
    })
    expect(voidCalls()).toEqual([])
  })
})

describe('voidOffer: a lost answer, retried by the same request', () => {
  const intentDeps = (): VoidDeps => ({
    ...deps,
    noteVoidIntent: (offer, intent) =>
      noteVoidIntent({ tableName: dynamo.tableName, client: dynamo.documentClient }, offer, intent),
  })
  const ana = { ...staff, requestKey: 'request-ana-1' }

  it('takes Sparkfly’s void by its earlier attempt for its own: voided, one Sparkfly void, after a look-up', async () => {
    const entry = await issuedCredential()
    offers.fail('void', { error: new SparkflyServerError('lost', { status: 503 }), applied: true })
    await expect(voidOffer({ credentialId: entry.id }, 'r', ana, intentDeps())).rejects.toThrow('lost')
    expect(await ledger.get(OfferKind.credential, entry.id)).toMatchObject({
      status: LedgerStatus.issued,
      voidIntent: { requestKey: 'request-ana-1', changedBy: 'staff-7' },
    })

    const retried = await voidOffer({ credentialId: entry.id }, 'r', ana, intentDeps())

    expect(retried.offer).toMatchObject({ id: entry.id, status: 'voided', voidedBy: 'staff-7' })
    expect(voidCalls()).toHaveLength(1)
    expect(offers.callsOf('get')).toHaveLength(1)
    expect(publisher.events.filter((event) => event.type === 'offer.voided')).toHaveLength(1)
  })

  it('answers another request a conflict (already voided)', async () => {
    const entry = await issuedCredential()
    offers.fail('void', { error: new SparkflyServerError('lost', { status: 503 }), applied: true })
    await expect(voidOffer({ credentialId: entry.id }, 'r', ana, intentDeps())).rejects.toThrow('lost')

    const ben = { changedBy: 'staff-8', requestId: 'req-ben', requestKey: 'request-ben-1' }
    const other = await refusal(voidOffer({ credentialId: entry.id }, 'other reason', ben, intentDeps()))

    // then Ben learns it is voided, as Ana's void (looked up, not voided again)
    expect(other).toBeInstanceOf(VoidConflictError)
    expect(other).toMatchObject({
      conflict: VoidConflict.alreadyVoided,
      offer: { status: 'voided', voidedBy: 'staff-7', reason: 'r' },
    })
    expect(voidCalls()).toHaveLength(1)
    expect(publisher.events.at(-1)?.data).toMatchObject({ sourceId: 'req-1', changedBy: 'staff-7' })
  })
})
