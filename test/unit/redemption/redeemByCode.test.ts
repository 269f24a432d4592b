import { describe, expect, it } from 'vitest'
import { LedgerStatus, OfferKind } from '../../../lib/ledger/types'
import { OfferStatus } from '../../../lib/offers'
import { EXTERNAL_SOURCE_ID, RedemptionStatus, redeemByCode } from '../../../lib/redemption'
import { SparkflyServerError, SparkflyTimeoutError } from '../../../lib/sparkfly/errors'
import { serverError, timeoutError } from '../../support/fakeOffers'
import { issuedOfferState, redeemCalls, sparkflyCalls, world } from './fakes'

const request = { code: 'K7Q2M9XR4T', transactionId: 'T-1001', storeId: '12' }

describe('redeemByCode', () => {
  describe('an offer state the project issued', () => {
    it('redeems it with one Sparkfly call, records it and publishes offer.redeemed', async () => {
      const w = world()
      issuedOfferState(w)

      const outcome = await redeemByCode(request, w.deps)

      expect(outcome).toMatchObject({
        status: RedemptionStatus.redeemed,
        redeemedAt: '2025-03-01T12:00:00.000Z',
        transactionId: 'T-1001',
        storeId: '12',
        source: 'ledger',
        replayed: false,
        offer: {
          kind: OfferKind.offerState,
          id: '9001',
          status: 'redeemed',
          memberId: '42',
          offerName: '10% off',
        },
      })
      expect(sparkflyCalls(w)).toEqual(['redeem:offerState:9001:42'])
      expect(w.ledger.calls).toEqual(['findByCode', 'transition'])
      expect(w.ledger.entries.get('os#9001')).toMatchObject({
        status: LedgerStatus.redeemed,
        redeemedAt: '2025-03-01T12:00:00.000Z',
        transactionId: 'T-1001',
        storeId: '12',
        changedBy: 'pos-webhook:msg_1',
      })
      expect(w.publisher.events).toHaveLength(1)
      expect(w.publisher.events[0]).toMatchObject({
        id: 'offer.redeemed:os#9001',
        type: 'offer.redeemed',
        source: 'urn:test',
        data: {
          offer: { kind: 'offerState', id: '9001', status: 'redeemed', code: 'K7Q2M9XR4T' },
          member: { id: '42' },
          sourceId: 'msg_1',
          transactionId: 'T-1001',
          storeId: '12',
          occurredAt: '2025-03-01T12:00:00.000Z',
        },
      })
    })

    it('records the time the till gives as the redemption time', async () => {
      const w = world()
      issuedOfferState(w)
      const outcome = await redeemByCode({ ...request, redeemedAt: '2025-03-01T11:58:00.000Z' }, w.deps)
      expect(outcome).toMatchObject({ status: 'redeemed', redeemedAt: '2025-03-01T11:58:00.000Z' })
      expect(w.ledger.entries.get('os#9001')?.redeemedAt).toBe('2025-03-01T11:58:00.000Z')
    })

    it('accepts a matching memberId', async () => {
      const w = world()
      issuedOfferState(w)
      expect((await redeemByCode({ ...request, memberId: '42' }, w.deps)).status).toBe(
        RedemptionStatus.redeemed,
      )
    })

    it('answers not_found for another member, exactly as for an unknown code, and redeems nothing', async () => {
      const w = world()
      issuedOfferState(w)
      const otherMember = await redeemByCode({ ...request, memberId: '43' }, w.deps)
      const unknown = await redeemByCode({ ...request, code: 'NOPE000000' }, w.deps)
      expect(otherMember).toEqual({ status: RedemptionStatus.notFound })
      expect(unknown).toEqual(otherMember)
      expect(redeemCalls(w)).toBe(0)
      expect(w.publisher.events).toHaveLength(0)
    })

    it('answers not_found for another member even when the offer is already redeemed (no state leaks)', async () => {
      const w = world()
      issuedOfferState(w)
      await redeemByCode(request, w.deps)
      expect(await redeemByCode({ ...request, transactionId: 'T-2', memberId: '43' }, w.deps)).toEqual({
        status: RedemptionStatus.notFound,
      })
    })

    it.each([
      [LedgerStatus.redeemed, RedemptionStatus.alreadyRedeemed],
      [LedgerStatus.voided, RedemptionStatus.voided],
      [LedgerStatus.expired, RedemptionStatus.expired],
    ])('refuses an offer the ledger knows is %s without calling Sparkfly', async (status, expected) => {
      const w = world()
      const entry = issuedOfferState(w)
      entry.status = status
      entry.transactionId = 'T-OTHER'
      const outcome = await redeemByCode(request, w.deps)
      expect(outcome).toMatchObject({ status: expected, decidedBy: 'ledger', offer: { id: '9001', status } })
      expect(w.offers.calls).toEqual([])
    })

    it('refuses an offer before its activation time (not_yet_active) and after expiry (expired)', async () => {
      const early = world()
      issuedOfferState(early, { activatesAt: '2025-03-02T00:00:00.000Z' })
      expect(await redeemByCode(request, early.deps)).toMatchObject({
        status: RedemptionStatus.notYetActive,
        offer: { activatesAt: '2025-03-02T00:00:00.000Z' },
      })

      const late = world()
      issuedOfferState(late, { expiresAt: '2025-03-01T12:00:00.000Z' })
      expect(await redeemByCode(request, late.deps)).toMatchObject({ status: RedemptionStatus.expired })
      expect([...early.offers.calls, ...late.offers.calls]).toEqual([])
    })

    it.each([
      ['voided', 'voided', RedemptionStatus.voided],
      ['redeemed', 'redeemed', RedemptionStatus.alreadyRedeemed],
    ])(
      'lets Sparkfly win when the ledger is stale (Sparkfly says %s)',
      async (_label, sparkflyStatus, expected) => {
        const w = world()
        issuedOfferState(w)
        const state = w.offers.peek(OfferKind.offerState, '9001')
        if (state) w.offers.seed({ ...state, status: sparkflyStatus as OfferStatus })
        const outcome = await redeemByCode(request, w.deps)
        expect(outcome).toMatchObject({
          status: expected,
          decidedBy: 'sparkfly',
          offer: { status: sparkflyStatus },
        })
        expect(w.incidents.map((i) => i.kind)).toEqual(['stale_ledger'])
        expect(w.ledger.entries.get('os#9001')?.status).toBe(LedgerStatus.issued)
        expect(w.publisher.events).toHaveLength(0)
      },
    )

    it('maps Sparkfly expiry and activation refusals (sandbox clock ahead of ours)', async () => {
      const w = world()
      issuedOfferState(w, { expiresAt: '2025-03-05T00:00:00.000Z' })
      w.sparkfly.now = new Date('2025-03-06T00:00:00Z')
      expect(await redeemByCode(request, w.deps)).toMatchObject({
        status: RedemptionStatus.expired,
        decidedBy: 'sparkfly',
      })
    })

    it('answers a retry of the same POS transaction (new webhook-id) with the first redemption, redeeming nothing', async () => {
      const w = world()
      issuedOfferState(w)
      const first = await redeemByCode(request, w.deps)
      const again = await redeemByCode(request, {
        ...w.deps,
        requestId: 'msg_2',
        changedBy: 'pos-webhook:msg_2',
      })
      expect(again).toMatchObject({
        status: 'redeemed',
        replayed: true,
        redeemedAt: first.status === 'redeemed' ? first.redeemedAt : '',
      })
      expect(redeemCalls(w)).toBe(1)
      // The event goes out again with the same id, so consumers drop the duplicate.
      expect(w.publisher.events.map((e) => e.id)).toEqual([
        'offer.redeemed:os#9001',
        'offer.redeemed:os#9001',
      ])
    })

    it('does not treat another transaction on the same code as a retry', async () => {
      const w = world()
      issuedOfferState(w)
      await redeemByCode(request, w.deps)
      const other = await redeemByCode({ ...request, transactionId: 'T-2002' }, w.deps)
      expect(other).toMatchObject({
        status: RedemptionStatus.alreadyRedeemed,
        offer: { transactionId: 'T-1001' },
      })
      expect(redeemCalls(w)).toBe(1)
    })

    it('propagates Sparkfly failures (5xx) without touching the ledger or publishing', async () => {
      const w = world()
      issuedOfferState(w)
      w.offers.fail('redeem', { error: serverError('boom') })
      await expect(redeemByCode(request, w.deps)).rejects.toBeInstanceOf(SparkflyServerError)
      expect(w.ledger.entries.get('os#9001')?.status).toBe(LedgerStatus.issued)
      expect(w.publisher.events).toHaveLength(0)
    })

    it('propagates a redeem whose answer was lost (applied at Sparkfly) without recording or publishing', async () => {
      const w = world()
      issuedOfferState(w)
      w.offers.fail('redeem', { error: timeoutError(), applied: true })
      await expect(redeemByCode(request, w.deps)).rejects.toBeInstanceOf(SparkflyTimeoutError)
      expect(w.offers.peek(OfferKind.offerState, '9001')?.status).toBe(OfferStatus.redeemed)
      expect(w.ledger.entries.get('os#9001')?.status).toBe(LedgerStatus.issued)
      expect(w.publisher.events).toHaveLength(0)
    })

    it('still answers redeemed when the ledger write fails after Sparkfly redeemed, and reports the incident', async () => {
      const w = world()
      issuedOfferState(w)
      w.ledger.failWrites = true
      const outcome = await redeemByCode(request, w.deps)
      expect(outcome.status).toBe(RedemptionStatus.redeemed)
      expect(w.incidents.map((i) => i.kind)).toEqual(['ledger_write_failed'])
      expect(w.publisher.events).toHaveLength(1)
    })

    it('retries a failed publish once, then reports it without failing the redemption', async () => {
      const w = world()
      issuedOfferState(w)
      w.publisher.failures = 1
      expect((await redeemByCode(request, w.deps)).status).toBe(RedemptionStatus.redeemed)
      expect(w.publisher.events).toHaveLength(1)
      expect(w.incidents).toEqual([])

      const w2 = world()
      issuedOfferState(w2)
      w2.publisher.failures = 2
      expect((await redeemByCode(request, w2.deps)).status).toBe(RedemptionStatus.redeemed)
      expect(w2.incidents.map((i) => i.kind)).toEqual(['event_publish_failed'])
    })
    it('asks Sparkfly for the member of an offer state the ledger kept without one, then redeems under it', async () => {
      const w = world()
      const entry = issuedOfferState(w)
      delete entry.memberId
      const outcome = await redeemByCode(request, w.deps)
      expect(outcome).toMatchObject({ status: RedemptionStatus.redeemed, offer: { memberId: '42' } })
      expect(sparkflyCalls(w)).toEqual(['findByCode:K7Q2M9XR4T', 'redeem:offerState:9001:42'])
    })

    it('answers not_found when Sparkfly no longer knows the offer, and records nothing', async () => {
      const w = world()
      w.ledger.add({ kind: OfferKind.offerState, id: '9001', code: 'K7Q2M9XR4T', memberId: '42' })
      expect(await redeemByCode(request, w.deps)).toEqual({ status: RedemptionStatus.notFound })
      expect(sparkflyCalls(w)).toEqual(['redeem:offerState:9001:42'])
      expect(w.ledger.entries.get('os#9001')?.status).toBe(LedgerStatus.issued)
      expect(w.incidents).toEqual([])
      expect(w.publisher.events).toHaveLength(0)
    })

    it('answers a retry the index read missed (Sparkfly: already redeemed) from the ledger entry, as a replay', async () => {
      const w = world()
      issuedOfferState(w)
      await redeemByCode(request, w.deps)
      // The byCode index lags: it still shows the offer issued.
      const stale = { ...(w.ledger.entries.get('os#9001') as object), status: LedgerStatus.issued }
      w.ledger.findByCode = async () => structuredClone(stale) as never
      const again = await redeemByCode(request, { ...w.deps, requestId: 'msg_2' })
      expect(again).toMatchObject({ status: RedemptionStatus.redeemed, replayed: true, source: 'ledger' })
      expect(redeemCalls(w)).toBe(2)
      expect(w.incidents.map((i) => i.kind)).toEqual(['stale_ledger'])
    })
  })

  describe('a credential the project issued', () => {
    it('redeems it by credential id', async () => {
      const w = world()
      w.ledger.add({
        kind: OfferKind.credential,
        id: '555',
        code: 'CRED000001',
        memberId: '42',
        offerId: '1701',
        issuedAt: '2025-02-20T00:00:00.000Z',
      })
      w.offers.seed({ kind: OfferKind.credential, id: '555', code: 'CRED000001', memberId: '42' })
      const outcome = await redeemByCode({ ...request, code: 'CRED000001' }, w.deps)
      expect(outcome).toMatchObject({ status: 'redeemed', offer: { kind: 'credential', id: '555' } })
      expect(sparkflyCalls(w)).toEqual(['redeem:credential:555'])
      expect(w.offers.callsOf('redeem')[0]?.args).toEqual([{ kind: 'credential', id: '555' }])
      expect(w.publisher.events[0]?.id).toBe('offer.redeemed:cred#555')
    })

    it('treats a credential older than the maximum age as expired, like the sweep', async () => {
      const w = world()
      w.ledger.add({
        kind: OfferKind.credential,
        id: '555',
        code: 'CRED000001',
        memberId: '42',
        issuedAt: '2024-11-30T00:00:00.000Z',
      })
      w.offers.seed({ kind: OfferKind.credential, id: '555', code: 'CRED000001', memberId: '42' })
      expect(await redeemByCode({ ...request, code: 'CRED000001' }, w.deps)).toMatchObject({
        status: 'expired',
      })
      expect(w.offers.calls).toEqual([])
    })
  })

  describe('an offer state issued elsewhere (not in the ledger)', () => {
    it('finds it at Sparkfly by code, redeems it, records it in the ledger as redeemed and publishes the event', async () => {
      const w = world()
      w.offers.seed({
        kind: OfferKind.offerState,
        id: '777',
        code: 'EXT0000001',
        status: OfferStatus.open,
        memberId: '42',
        offerId: '1701',
        createdAt: '2025-02-10T00:00:00.000Z',
      })
      const outcome = await redeemByCode({ ...request, code: 'EXT0000001' }, w.deps)
      expect(outcome).toMatchObject({
        status: 'redeemed',
        source: 'sparkfly',
        offer: { id: '777', memberId: '42' },
      })
      expect(sparkflyCalls(w)).toEqual(['findByCode:EXT0000001', 'redeem:offerState:777:42'])
      expect(w.ledger.entries.get('os#777')).toMatchObject({
        status: LedgerStatus.redeemed,
        sourceId: EXTERNAL_SOURCE_ID,
        code: 'EXT0000001',
        transactionId: 'T-1001',
        issuedAt: '2025-02-10T00:00:00.000Z',
      })
      expect(w.publisher.events[0]).toMatchObject({
        id: 'offer.redeemed:os#777',
        data: { member: { id: '42' } },
      })
    })

    it('refuses it from Sparkfly state when already redeemed, without a redeem call', async () => {
      const w = world()
      w.offers.seed({
        kind: OfferKind.offerState,
        id: '777',
        code: 'EXT0000001',
        status: OfferStatus.redeemed,
        memberId: '42',
        redeemedAt: '2025-02-11T00:00:00.000Z',
      })
      expect(await redeemByCode({ ...request, code: 'EXT0000001' }, w.deps)).toMatchObject({
        status: 'already_redeemed',
        offer: { redeemedAt: '2025-02-11T00:00:00.000Z' },
      })
      expect(redeemCalls(w)).toBe(0)
    })

    it('answers not_found for another member', async () => {
      const w = world()
      w.offers.seed({
        kind: OfferKind.offerState,
        id: '777',
        code: 'EXT0000001',
        status: OfferStatus.open,
        memberId: '42',
      })
      expect(await redeemByCode({ ...request, code: 'EXT0000001', memberId: '7' }, w.deps)).toEqual({
        status: 'not_found',
      })
    })
  })
})
