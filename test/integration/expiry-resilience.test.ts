import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Context } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SweepCheckpoint, SweepSummary } from '../../lib/expiry'
import type { LedgerEntry } from '../../lib/ledger'
import { LedgerSweepCheckpoints } from '../../lib/ledger/SweepCheckpoints'
import { lambdaContext } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

const T0 = '2026-03-01T00:00:00.000Z'
const HOUR = 3_600_000

let system: TestSystem
let handler: (event: unknown, context: Context) => Promise<SweepSummary>

beforeAll(async () => {
  system = await startTestSystem({
    sandbox: { now: T0, freezeClock: true },
    // Few offers in flight at a time, so a run can be stopped midway.
    env: { SPARKFLY_CONCURRENCY: '4' },
  })
  ;({ handler } = await import('../../functions/expiry-sweep'))
})
afterAll(() => system?.stop())

/** Offer states that end within the hour, then the clock moves two hours: all of them are due. */
async function dueOfferStates(count: number): Promise<LedgerEntry[]> {
  const expiresAt = new Date(system.sandbox.admin.clock.now().getTime() + HOUR).toISOString()
  const offers: LedgerEntry[] = []
  for (let i = 0; i < count; i += 1) offers.push(await system.issueOfferState({ expiresAt }))
  system.sandbox.admin.clock.advance(2 * HOUR)
  system.sandbox.admin.resetCounters()
  return offers
}

const sweep = (context: Context = lambdaContext({ timeoutMs: 120_000 })) =>
  handler({ now: system.sandbox.admin.clock.now().toISOString() }, context)

/** A Lambda context whose remaining time is decided by `remaining()`. */
const contextWith = (remaining: () => number): Context => ({
  ...lambdaContext({ timeoutMs: 120_000 }),
  getRemainingTimeInMillis: remaining,
})

const voidCalls = () => system.sandbox.admin.counters()['offerStates.void']

/** Successful void answers per offer state id, from the sandbox's request log. */
function successfulVoids(): Map<string, number> {
  const byId = new Map<string, number>()
  for (const request of system.sandbox.admin.requests()) {
    if (request.operation !== 'offerStates.void' || request.status !== 200) continue
    const id = request.path.match(/offer_states\/(\d+)\/void/)?.[1] ?? '?'
    byId.set(id, (byId.get(id) ?? 0) + 1)
  }
  return byId
}

async function expectEachVoidedOnceAndExpired(offers: LedgerEntry[]) {
  const voids = successfulVoids()
  for (const offer of offers) {
    expect(voids.get(offer.id)).toBe(1)
    expect(system.sandbox.admin.getOfferState(Number(offer.id))?.status).toBe('voided')
    expect((await system.ledger.get(offer.kind, offer.id))?.status).toBe('expired')
  }
  const refused = system.sandbox.admin
    .requests()
    .filter((r) => r.operation === 'offerStates.void' && r.status === 422)
  expect(refused).toEqual([])
}

describe('expiry sweep: resumable, overlapping runs, Sparkfly outage', () => {
  it('a run stopped by the time budget midway is finished by the next one, each offer voided exactly once', async () => {
    const offers = await dueOfferStates(16)
    // given a Lambda that nears its time limit once Sparkfly has voided four offers
    const nearingTheLimit = contextWith(() => (voidCalls() >= 4 ? 12_000 : 120_000))

    // when the sweep runs in it
    const first = await sweep(nearingTheLimit)

    // then it stops cleanly, leaves the rest due and a checkpoint saying so
    expect(first.status).toBe('stopped_for_time')
    expect(first.voided).toBeGreaterThanOrEqual(4)
    expect(first.voided).toBeLessThan(offers.length)
    expect(first.failed).toBe(0)
    expect(first.remaining).toBe(offers.length - first.voided)
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: system.aws.endpoints.dynamodb, region: system.aws.region }),
    )
    const checkpoints = new LedgerSweepCheckpoints<SweepCheckpoint>({
      tableName: system.aws.tables.ledger,
      client,
    })
    expect(await checkpoints.read()).toMatchObject({
      runId: first.runId,
      status: 'stopped_for_time',
      remaining: first.remaining,
    })
    client.destroy()

    // when the next scheduled run comes
    const second = await sweep()

    // then it finishes the job, and no offer was voided twice
    expect(second).toMatchObject({ status: 'complete', voided: offers.length - first.voided, remaining: 0 })
    expect(voidCalls()).toBe(offers.length)
    await expectEachVoidedOnceAndExpired(offers)
  })

  it('two runs at the same time void each offer once', async () => {
    const offers = await dueOfferStates(10)

    const [a, b] = await Promise.all([sweep(), sweep()])

    expect([a.status, b.status].sort()).toEqual(['busy', 'complete'])
    expect(a.voided + b.voided).toBe(offers.length)
    expect(voidCalls()).toBe(offers.length)
    await expectEachVoidedOnceAndExpired(offers)
  })

  it('Sparkfly answering 503 mid-sweep leaves the rest for the next run, which completes them', async () => {
    const offers = await dueOfferStates(20)
    // given Sparkfly starts failing with 503 once three offers are voided
    let outage = false
    const context = contextWith(() => {
      if (!outage && voidCalls() >= 3) {
        outage = true
        system.sandbox.admin.setFaults({ rates: { '503': 1 }, retryAfterSeconds: 1 })
      }
      return 120_000
    })

    // when the sweep runs through the outage
    const during = await sweep(context)

    // then it stops after ten failures in a row, marking nothing it could not void
    expect(outage).toBe(true)
    expect(during.status).toBe('stopped_for_failures')
    expect(during.failed).toBeGreaterThanOrEqual(10)
    expect(during.failures.sparkfly_unavailable).toBe(during.failed)
    expect(during.remaining).toBe(offers.length - during.voided)
    for (const offer of offers) {
      const inSparkfly = system.sandbox.admin.getOfferState(Number(offer.id))?.status
      const inLedger = (await system.ledger.get(offer.kind, offer.id))?.status
      expect([inSparkfly, inLedger]).toEqual(
        inSparkfly === 'voided' ? ['voided', 'expired'] : ['incomplete', 'issued'],
      )
    }

    // when Sparkfly is back and the next run comes
    system.sandbox.admin.clearFaults()
    const after = await sweep()

    // then every offer is voided exactly once and expired
    expect(after).toMatchObject({ status: 'complete', failed: 0, remaining: 0 })
    expect(during.voided + after.voided).toBe(offers.length)
    await expectEachVoidedOnceAndExpired(offers)
  })
})
