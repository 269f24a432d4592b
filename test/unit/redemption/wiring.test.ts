import { afterEach, describe, expect, it, vi } from 'vitest'
import type { AppContext } from '../../../lib/app/context'
import { redemptionDeps, reportIncident, SPARKFLY_BUDGET, sparkflyBudget } from '../../../lib/app/redemption'
import { OfferKind } from '../../../lib/ledger/types'
import { logger, metrics } from '../../../lib/observability'
import { redeemByCode } from '../../../lib/redemption'
import { FakeOffers } from '../../support/fakeOffers'
import { FakeLedger, FakePublisher } from './fakes'

/** An application context over fakes (what `appContext()` holds in a container). */
function app() {
  const offers = new FakeOffers(() => new Date('2025-03-01T12:00:00Z'))
  const ledger = new FakeLedger()
  const publisher = new FakePublisher()
  const context = {
    config: { EVENT_SOURCE: 'urn:test', CREDENTIAL_MAX_AGE_DAYS: 30, IDEMPOTENCY_TABLE: 'idempotency' },
    ledger,
    publisher,
    offers,
  } as unknown as AppContext
  return { context, offers, ledger, publisher }
}

describe('sparkflyBudget', () => {
  it('gives each Sparkfly call what is left after the reserve, between the minimum and the maximum', () => {
    expect(sparkflyBudget(30_000)).toEqual({ totalTimeoutMs: SPARKFLY_BUDGET.maxMs })
    expect(sparkflyBudget(5_000)).toEqual({ totalTimeoutMs: 5_000 - SPARKFLY_BUDGET.reserveMs })
    expect(sparkflyBudget(1_200)).toEqual({ totalTimeoutMs: SPARKFLY_BUDGET.minMs })
    expect(SPARKFLY_BUDGET).toEqual({ maxMs: 8_000, minMs: 1_000, reserveMs: 1_500 })
  })
})

describe('redemptionDeps', () => {
  it('names the delivery and budgets every Sparkfly call from what is left of the invocation at that call', async () => {
    const { context, offers, ledger, publisher } = app()
    offers.seed({ kind: OfferKind.offerState, id: '9001', code: 'EXT0000001', memberId: '42' })
    const remaining = [6_000, 4_000]
    const deps = redemptionDeps(context, {
      webhookId: 'msg_7',
      remainingMs: () => remaining.shift() ?? 0,
    })
    expect(deps).toMatchObject({
      requestId: 'msg_7',
      changedBy: 'pos-webhook:msg_7',
      eventSource: 'urn:test',
      credentialMaxAgeDays: 30,
      onIncident: reportIncident,
    })
    expect(deps.ledger).toBe(ledger)
    expect(deps.publisher).toBe(publisher)

    const outcome = await redeemByCode({ code: 'EXT0000001', transactionId: 'T-1' }, deps)
    expect(outcome.status).toBe('redeemed')
    expect(offers.calls.map((call) => [call.operation, call.options])).toEqual([
      ['findByCode', { totalTimeoutMs: 4_500 }],
      ['redeem', { totalTimeoutMs: 2_500 }],
    ])
    expect(publisher.events[0]?.data).toMatchObject({ sourceId: 'msg_7', changedBy: 'pos-webhook:msg_7' })
  })
})

describe('reportIncident', () => {
  afterEach(() => vi.restoreAllMocks())

  it('counts a stale ledger as routine (warning) and anything else as an alarmed incident (error)', () => {
    const names: string[] = []
    vi.spyOn(metrics, 'addMetric').mockImplementation((name) => {
      names.push(name)
      return metrics
    })
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined)
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined)
    const offer = { kind: OfferKind.offerState, id: '9001' }

    reportIncident({ kind: 'stale_ledger', offer })
    reportIncident({ kind: 'ledger_write_failed', offer, error: new Error('DynamoDB unavailable') })

    expect(names).toEqual(['RedemptionLedgerStale', 'RedemptionIncidents'])
    expect(warn).toHaveBeenCalledWith('Ledger was behind Sparkfly', expect.objectContaining({ offer }))
    expect(error).toHaveBeenCalledWith(
      'Redemption not fully recorded; reconcile the ledger / offer events',
      expect.objectContaining({ incident: 'ledger_write_failed', offer }),
    )
  })
})
