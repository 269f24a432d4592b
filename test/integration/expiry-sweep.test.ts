import type { Context } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OfferCloudEvent } from '../../lib/events/outbound'
import type { SweepSummary } from '../../lib/expiry'
import type { LedgerEntry } from '../../lib/ledger'
import { lambdaContext } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

const T0 = '2026-03-01T00:00:00.000Z'
const HOUR = 3_600_000
const DAY = 24 * HOUR
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

let system: TestSystem
let handler: (event: unknown, context: Context) => Promise<SweepSummary>

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { now: T0, freezeClock: true } })
  ;({ handler } = await import('../../functions/expiry-sweep'))
})
afterAll(() => system?.stop())

const sweep = (input: Record<string, unknown> = {}) =>
  handler(
    { now: system.sandbox.admin.clock.now().toISOString(), ...input },
    lambdaContext({ timeoutMs: 120_000 }),
  )
const ledgerStatus = async (entry: LedgerEntry) => (await system.ledger.get(entry.kind, entry.id))?.status
const sparkflyStatus = (entry: LedgerEntry) =>
  entry.kind === 'offerState'
    ? system.sandbox.admin.getOfferState(Number(entry.id))?.status
    : system.sandbox.admin.getCredential(Number(entry.id))?.status
const voidCalls = () => {
  const counters = system.sandbox.admin.counters()
  return (
    counters['offerStates.void'] +
    counters['credentials.void'] +
    counters['offerStates.voidByMemberIdentifier']
  )
}
const offerEvents = async () =>
  (await system.drainQueue(system.aws.queues.offerEvents)).map((m) => JSON.parse(m.body) as OfferCloudEvent)

describe('expiry sweep (handler against the sandbox and local AWS)', () => {
  it('voids and expires only the offers whose validity ended; a dry run first changes nothing', async () => {
    // given offers issued through Sparkfly and recorded in the ledger at T0
    const endsInAnHour = await system.issueOfferState({ expiresAt: at(HOUR) })
    const endsTomorrow = await system.issueOfferState({ expiresAt: at(DAY) })
    const endsNextMonth = await system.issueOfferState({ expiresAt: at(30 * DAY) })
    const redeemed = await system.issueOfferState({ expiresAt: at(HOUR) })
    await system.client.offerStates.redeem(redeemed.memberId!, redeemed.id)
    const voidedByStaff = await system.issueOfferState({ expiresAt: at(HOUR) })
    await system.client.offerStates.void(voidedByStaff.memberId!, voidedByStaff.id)
    const oldCredential = await system.issueCredential({ issuedAt: at(-100 * DAY) })
    const youngCredential = await system.issueCredential({ issuedAt: at(-10 * DAY) })
    const all = [
      endsInAnHour,
      endsTomorrow,
      endsNextMonth,
      redeemed,
      voidedByStaff,
      oldCredential,
      youngCredential,
    ]
    await offerEvents()
    const ledgerBefore = await Promise.all(all.map(ledgerStatus))
    const sparkflyBefore = all.map(sparkflyStatus)
    system.sandbox.admin.resetCounters()

    // and two days pass
    system.sandbox.admin.clock.advance(2 * DAY)

    // when the sweep runs dry
    const dry = await sweep({ dryRun: true })

    // then it reports what it would do, and nothing changed anywhere
    expect(dry).toMatchObject({
      dryRun: true,
      status: 'complete',
      found: 5,
      voided: 3,
      alreadyRedeemed: 1,
      alreadyVoided: 1,
      failed: 0,
      remaining: 5,
    })
    expect(new Set(dry.actions?.filter((a) => a.outcome === 'voided').map((a) => a.id))).toEqual(
      new Set([endsInAnHour.id, endsTomorrow.id, oldCredential.id]),
    )
    expect(voidCalls()).toBe(0)
    expect(await Promise.all(all.map(ledgerStatus))).toEqual(ledgerBefore)
    expect(all.map(sparkflyStatus)).toEqual(sparkflyBefore)
    expect(await offerEvents()).toEqual([])

    // when it runs for real
    const real = await sweep()

    // then the ended, still redeemable ones are voided once in Sparkfly and expired in the ledger
    expect(real).toMatchObject({
      dryRun: false,
      status: 'complete',
      found: 5,
      voided: 3,
      expired: 3,
      alreadyRedeemed: 1,
      alreadyVoided: 1,
      failed: 0,
      remaining: 0,
    })
    expect(voidCalls()).toBe(3)
    for (const entry of [endsInAnHour, endsTomorrow, oldCredential]) {
      expect(sparkflyStatus(entry)).toBe('voided')
      expect(await system.ledger.get(entry.kind, entry.id)).toMatchObject({
        status: 'expired',
        voidReason: 'expired',
        changedBy: `sweep:${real.runId}`,
      })
    }
    // the redeemed one is left alone in Sparkfly; the ledger learns what Sparkfly knew
    expect(sparkflyStatus(redeemed)).toBe('redeemed')
    expect(await ledgerStatus(redeemed)).toBe('redeemed')
    expect(await ledgerStatus(voidedByStaff)).toBe('voided')
    // the valid ones are untouched
    expect(sparkflyStatus(endsNextMonth)).toBe('incomplete')
    expect(sparkflyStatus(youngCredential)).toBe('open')
    expect(await ledgerStatus(endsNextMonth)).toBe('issued')
    expect(await ledgerStatus(youngCredential)).toBe('issued')

    // and offer.expired is published for each expired offer, with its member and reason
    const events = await offerEvents()
    const expired = events.filter((e) => e.type === 'offer.expired')
    expect(new Set(expired.map((e) => e.data.offer.id))).toEqual(
      new Set([endsInAnHour.id, endsTomorrow.id, oldCredential.id]),
    )
    expect(expired.find((e) => e.data.offer.id === endsInAnHour.id)).toMatchObject({
      id: `offer.expired:${endsInAnHour.pk}`,
      source: 'urn:sparkfly-offer-lifecycle:test',
      data: {
        offer: { kind: 'offerState', status: 'expired', expiresAt: endsInAnHour.expiresAt },
        member: { id: endsInAnHour.memberId },
        reason: 'expired',
        sourceId: endsInAnHour.sourceId,
        occurredAt: system.sandbox.admin.clock.now().toISOString(),
      },
    })
    expect(events.filter((e) => e.type !== 'offer.expired').map((e) => [e.type, e.data.offer.id])).toEqual(
      expect.arrayContaining([
        ['offer.redeemed', redeemed.id],
        ['offer.voided', voidedByStaff.id],
      ]),
    )

    // when it runs again, there is nothing left to do
    const again = await sweep()
    expect(again).toMatchObject({ found: 0, voided: 0, remaining: 0 })
    expect(voidCalls()).toBe(3)
  })

  it('refuses a "now" override outside the local stage', async () => {
    const previous = process.env.STAGE
    const { resetConfig } = await import('../../lib/config')
    const { resetAppContext } = await import('../../lib/app/context')
    process.env.STAGE = 'prod'
    resetConfig()
    resetAppContext()
    try {
      await expect(sweep({ dryRun: true })).rejects.toThrow(/only on the local stage/)
    } finally {
      process.env.STAGE = previous
      resetConfig()
      resetAppContext()
    }
  })
})
