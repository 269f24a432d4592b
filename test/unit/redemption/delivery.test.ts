import { describe, expect, it } from 'vitest'
import { LedgerStatus, OfferKind } from '../../../lib/ledger/types'
import { redeemDelivery } from '../../../lib/redemption'
import { serverError, timeoutError } from '../../support/fakeOffers'
import { FakeIntents, issuedOfferState, redeemCalls, world } from './fakes'

/** A world whose deps hold in-memory delivery records and intents. */
function deliveryWorld() {
  const w = world()
  const intents = new FakeIntents()
  const deps = { ...w.deps, intents }
  return { ...w, intents, deps }
}

const request = (code: string, transactionId = 'T-1') => ({ code, transactionId })
const delivery = (webhookId: string, fingerprint = 'fp-1') => ({ webhookId, fingerprint })

describe('redeemDelivery: a lost answer', () => {
  it('answers the retry of the same delivery with the redemption its first attempt made: one redeem, recorded once', async () => {
    // given Sparkfly redeems but the answer is lost
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    w.offers.fail('redeem', { error: timeoutError(), applied: true })
    await expect(redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)).rejects.toThrow(/time/)
    expect(w.offers.peek(OfferKind.offerState, entry.id)?.status).toBe('redeemed')

    // when the same delivery comes again
    const result = await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)

    // then
    expect(result).toMatchObject({
      status: 'answered',
      stored: false,
      outcome: { status: 'redeemed', transactionId: 'T-1', replayed: true },
    })
    expect(redeemCalls(w)).toBe(1)
    expect(w.offers.callsOf('get')).toHaveLength(1)
    expect(w.ledger.entries.get(entry.pk)).toMatchObject({
      status: LedgerStatus.redeemed,
      transactionId: 'T-1',
    })
    expect(w.publisher.events).toHaveLength(1)
  })

  it('answers a new webhook-id of the same transaction with that redemption (Sparkfly says already redeemed)', async () => {
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    w.offers.fail('redeem', { error: serverError(), applied: true })
    await expect(redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)).rejects.toThrow()

    const result = await redeemDelivery(delivery('msg_2', 'fp-2'), request(entry.code ?? ''), w.deps)

    expect(result).toMatchObject({ status: 'answered', outcome: { status: 'redeemed', replayed: true } })
    expect(redeemCalls(w)).toBe(1)
  })

  it('answers another transaction 409 (already redeemed), the look-up notwithstanding', async () => {
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    w.offers.fail('redeem', { error: timeoutError(), applied: true })
    await expect(redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)).rejects.toThrow()

    const other = await redeemDelivery(delivery('msg_2', 'fp-2'), request(entry.code ?? '', 'T-2'), w.deps)

    expect(other).toMatchObject({ status: 'answered', outcome: { status: 'already_redeemed' } })
    expect(w.intents.intents.get(`${entry.code}#T-2`)).toMatchObject({ outcome: 'refused' })
  })

  it('redeems on the retry when the first call never took effect', async () => {
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    w.offers.fail('redeem', { error: timeoutError() })
    await expect(redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)).rejects.toThrow()

    const result = await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)

    expect(result).toMatchObject({ outcome: { status: 'redeemed', replayed: false } })
    expect(redeemCalls(w)).toBe(2)
  })

  it('does not take a redemption elsewhere for its own when its earlier delivery was refused', async () => {
    // given the transaction was refused once (not active yet), then the offer is redeemed outside the project
    const w = deliveryWorld()
    const entry = issuedOfferState(w, { activatesAt: '2025-03-02T00:00:00.000Z' })
    const first = await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)
    expect(first).toMatchObject({ outcome: { status: 'not_yet_active' } })
    w.ledger.add({ ...entry, activatesAt: '2025-02-01T00:00:00.000Z' })
    const atSparkfly = w.offers.peek(OfferKind.offerState, entry.id)
    w.offers.seed({ ...atSparkfly, kind: OfferKind.offerState, activatesAt: undefined, status: 'redeemed' })

    const retried = await redeemDelivery(delivery('msg_2', 'fp-2'), request(entry.code ?? ''), w.deps)

    expect(retried).toMatchObject({ outcome: { status: 'already_redeemed' } })
    expect(w.offers.callsOf('get')).toHaveLength(0)
  })
  it('recovers a redemption of an offer issued elsewhere (not in the ledger) and records it', async () => {
    const w = deliveryWorld()
    w.offers.seed({ kind: OfferKind.credential, id: '7001', code: 'EXTCRED01', memberId: '42' })
    w.offers.fail('redeem', { error: timeoutError(), applied: true })
    await expect(redeemDelivery(delivery('msg_1'), request('EXTCRED01'), w.deps)).rejects.toThrow()

    const result = await redeemDelivery(delivery('msg_1'), request('EXTCRED01'), w.deps)

    expect(result).toMatchObject({ outcome: { status: 'redeemed', source: 'sparkfly', replayed: true } })
    expect(redeemCalls(w)).toBe(1)
    expect([...w.ledger.entries.values()]).toMatchObject([
      { kind: OfferKind.credential, id: '7001', status: LedgerStatus.redeemed, transactionId: 'T-1' },
    ])
  })
})

describe('redeemDelivery: the delivery record', () => {
  it('replays a stored answer without calling Sparkfly or writing again', async () => {
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    const first = await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)
    const calls = w.offers.calls.length

    const again = await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)

    expect(again).toEqual({
      status: 'answered',
      outcome: JSON.parse(JSON.stringify(first.status === 'answered' && first.outcome)),
      stored: true,
    })
    expect(w.offers.calls).toHaveLength(calls)
    expect(w.publisher.events).toHaveLength(1)
  })

  it('refuses the same webhook-id with another body, and forgets the intent it noted for it', async () => {
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)

    const reused = await redeemDelivery(delivery('msg_1', 'fp-other'), request('OTHERCODE', 'T-9'), w.deps)

    expect(reused).toEqual({ status: 'key_reused' })
    expect(w.intents.intents.has('OTHERCODE#T-9')).toBe(false)
  })

  it('answers in_progress while another attempt holds the delivery', async () => {
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    await w.intents.claimDelivery('msg_1', 'fp-1')

    const busy = await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)

    expect(busy).toEqual({ status: 'in_progress' })
    expect(redeemCalls(w)).toBe(0)
    // the attempt still running keeps the intent it noted
    expect(w.intents.intents.get(`${entry.code}#T-1`)).toEqual({ deliveries: ['msg_1'] })
  })

  it('still answers the redemption when its delivery record cannot be written, and reports it', async () => {
    const w = deliveryWorld()
    const entry = issuedOfferState(w)
    w.intents.completeDelivery = async () => {
      throw new Error('DynamoDB unavailable')
    }

    const result = await redeemDelivery(delivery('msg_1'), request(entry.code ?? ''), w.deps)

    expect(result).toMatchObject({ outcome: { status: 'redeemed' } })
    expect(w.incidents.map((incident) => incident.kind)).toEqual(['delivery_write_failed'])
  })
})
