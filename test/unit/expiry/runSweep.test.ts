import { CreateTableCommand } from '@aws-sdk/client-dynamodb'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  runSweep,
  SWEEP_LEASE_KEY,
  type SweepDeps,
  type SweepOptions,
  SweepStatus,
  sweepClaimKey,
} from '../../../lib/expiry'
import { Ledger, type LedgerEntry, ledgerTableDefinition, OfferKind } from '../../../lib/ledger'
import type { OfferRef } from '../../../lib/offers'
import { SparkflyRateLimitError, SparkflyServerError } from '../../../lib/sparkfly/errors'
import { startLedgerDynamo } from '../../support/dynamo'
import { FakeOffers } from '../../support/fakeOffers'
import {
  FakePublisher,
  hooked,
  MemoryCheckpoints,
  MemoryLogger,
  SPARKFLY_TIME,
  type SparkflyState,
  seedFor,
  voidsOf,
} from './fakes'

const NOW = new Date('2026-03-01T00:00:00.000Z')
const PAST = '2026-02-28T12:00:00.000Z'
const FUTURE = '2026-03-02T00:00:00.000Z'
const OLD_CREDENTIAL = '2025-11-01T00:00:00.000Z' // older than 90 days at NOW
const YOUNG_CREDENTIAL = '2026-02-01T00:00:00.000Z'

let dynamo: Awaited<ReturnType<typeof startLedgerDynamo>>
let ledger: Ledger
let tableName: string
let offers: FakeOffers
let publisher: FakePublisher
let checkpoints: MemoryCheckpoints
let seq = 0
let tables = 0

beforeAll(async () => {
  dynamo = await startLedgerDynamo('sweep-unit-0')
})
afterAll(() => dynamo.stop())

beforeEach(async () => {
  // A fresh table per test: the lease and the checkpoint are single items per table.
  tableName = `sweep-unit-${++tables}`
  await dynamo.client.send(new CreateTableCommand(ledgerTableDefinition(tableName)))
  ledger = new Ledger({ tableName, client: dynamo.documentClient, sweepShards: 2 })
  offers = new FakeOffers()
  publisher = new FakePublisher()
  checkpoints = new MemoryCheckpoints()
})

async function offerState(expiresAt: string, state: SparkflyState = 'open'): Promise<LedgerEntry> {
  const id = String(500_000 + ++seq)
  const { entry } = await ledger.record({
    kind: OfferKind.offerState,
    id,
    code: `OS${id}`,
    memberId: '42',
    campaignId: 'xid-1',
    offerId: '7',
    sourceId: `evt-${id}`,
    issuedAt: '2026-01-01T00:00:00.000Z',
    expiresAt,
  })
  seedFor(offers, entry, state)
  return entry
}

async function credential(issuedAt: string): Promise<LedgerEntry> {
  const id = String(700_000 + ++seq)
  const { entry } = await ledger.record({
    kind: OfferKind.credential,
    id,
    code: `CR${id}`,
    memberId: '42',
    offerId: '7',
    channelId: '3',
    sourceId: `evt-${id}`,
    issuedAt,
  })
  seedFor(offers, entry)
  return entry
}

const options = (overrides: Partial<SweepOptions> = {}): SweepOptions => ({
  runId: `run-${++seq}`,
  now: NOW,
  credentialMaxAgeDays: 90,
  timeMarginMs: 10_000,
  pageSize: 2,
  concurrency: 3,
  maxConsecutiveFailures: 3,
  ...overrides,
})

const deps = (overrides: Partial<SweepDeps> = {}): SweepDeps => ({
  ledger,
  offers,
  publisher,
  checkpoints,
  eventSource: 'urn:test',
  remainingTimeMs: () => 60_000,
  sleep: async () => undefined,
  logger: new MemoryLogger(),
  ...overrides,
})

const statusOf = async (entry: LedgerEntry) => (await ledger.get(entry.kind, entry.id))?.status
const rawItem = async (pk: string) =>
  (await dynamo.documentClient.send(new GetCommand({ TableName: tableName, Key: { pk } }))).Item

describe('runSweep', () => {
  it('voids and expires only the offers whose validity ended, and publishes offer.expired for each', async () => {
    // given offer states past and before their expiry, and credentials older and younger than the maximum age
    const ended = [
      await offerState(PAST),
      await offerState('2026-01-15T00:00:00.000Z'),
      await credential(OLD_CREDENTIAL),
    ]
    const valid = [await offerState(FUTURE), await credential(YOUNG_CREDENTIAL)]

    // when the sweep runs
    const summary = await runSweep(options({ runId: 'r1' }), deps())

    // then the ended ones are voided once in Sparkfly, expired in the ledger, and announced
    expect(summary).toMatchObject({
      status: 'complete',
      found: 3,
      voided: 3,
      expired: 3,
      failed: 0,
      remaining: 0,
    })
    for (const entry of ended) {
      expect(voidsOf(offers, entry)).toBe(1)
      const stored = await ledger.get(entry.kind, entry.id)
      expect(stored).toMatchObject({
        status: 'expired',
        voidReason: 'expired',
        changedBy: 'sweep:r1',
        expiredAt: NOW.toISOString(),
      })
      expect(stored?.sweepPk).toBeUndefined()
    }
    for (const entry of valid) {
      expect(voidsOf(offers, entry)).toBe(0)
      expect(await statusOf(entry)).toBe('issued')
    }
    expect(publisher.events.map((e) => [e.type, e.subject]).sort()).toEqual(
      ended.map((e) => ['offer.expired', e.pk]).sort(),
    )
    expect(publisher.events[0]?.data).toMatchObject({
      reason: 'expired',
      changedBy: 'sweep:r1',
      occurredAt: NOW.toISOString(),
    })
    // and the checkpoint records the run, the lease is free again
    expect(checkpoints.value).toMatchObject({ runId: 'r1', status: 'complete', voided: 3 })
    expect(await rawItem(SWEEP_LEASE_KEY)).toMatchObject({ state: 'failed' })
  })

  it('never voids what Sparkfly already redeemed or voided, and brings the ledger in line', async () => {
    const redeemed = await offerState(PAST, 'redeemed')
    const voidedElsewhere = await offerState(PAST, 'voided')
    const gone = await offerState(PAST, 'notFound')

    const summary = await runSweep(options(), deps())

    expect(summary).toMatchObject({
      found: 3,
      voided: 0,
      alreadyRedeemed: 1,
      alreadyVoided: 1,
      notFound: 1,
      expired: 1,
    })
    expect(offers.callsOf('void').length).toBe(0)
    expect(await ledger.get(redeemed.kind, redeemed.id)).toMatchObject({
      status: 'redeemed',
      redeemedAt: SPARKFLY_TIME,
    })
    expect(await ledger.get(voidedElsewhere.kind, voidedElsewhere.id)).toMatchObject({
      status: 'voided',
      voidReason: 'voided_in_sparkfly',
    })
    expect(await statusOf(gone)).toBe('expired')
    expect(Object.fromEntries(publisher.events.map((e) => [e.subject, e.type]))).toEqual({
      [redeemed.pk]: 'offer.redeemed',
      [voidedElsewhere.pk]: 'offer.voided',
      [gone.pk]: 'offer.expired',
    })
  })

  it('dry run reports what it would do and writes nothing', async () => {
    const open = await offerState(PAST)
    const redeemed = await offerState(PAST, 'redeemed')
    const old = await credential(OLD_CREDENTIAL)

    const summary = await runSweep(options({ dryRun: true }), deps())

    expect(summary).toMatchObject({ dryRun: true, found: 3, voided: 2, alreadyRedeemed: 1, remaining: 3 })
    expect(summary.actions?.map((a) => [a.id, a.outcome]).sort()).toEqual(
      [
        [open.id, 'voided'],
        [redeemed.id, 'alreadyRedeemed'],
        [old.id, 'voided'],
      ].sort(),
    )
    expect(offers.callsOf('void').length).toBe(0)
    expect(publisher.events).toHaveLength(0)
    for (const entry of [open, redeemed, old]) {
      expect(await statusOf(entry)).toBe('issued')
      expect(await rawItem(sweepClaimKey(entry.pk))).toBeUndefined()
    }
    expect(await rawItem(SWEEP_LEASE_KEY)).toBeUndefined()
    expect(checkpoints.writes).toBe(0)
  })

  it('stops before the time limit and the next run finishes, voiding each offer exactly once', async () => {
    const due = await Promise.all(Array.from({ length: 9 }, () => offerState(PAST)))
    // The Lambda "clock": 1 s per Sparkfly call, 20 s to live, stop 10 s before the end.
    let left = 20_000
    const afterCall = () => {
      left -= 1_000
    }

    const first = await runSweep(
      options({ concurrency: 1 }),
      deps({ offers: hooked(offers, { afterCall }), remainingTimeMs: () => left }),
    )

    expect(first.status).toBe(SweepStatus.stoppedForTime)
    expect(first.voided).toBeGreaterThan(0)
    expect(first.remaining).toBe(due.length - first.voided)
    expect(first.resumeFrom).toBeDefined()
    expect(checkpoints.value).toMatchObject({ status: 'stopped_for_time', remaining: first.remaining })

    const second = await runSweep(options(), deps())

    expect(second).toMatchObject({ status: 'complete', voided: due.length - first.voided, remaining: 0 })
    for (const entry of due) {
      expect(voidsOf(offers, entry)).toBe(1)
      expect(await statusOf(entry)).toBe('expired')
    }
  })

  it('after a crash between the Sparkfly void and the ledger write, the rerun only marks the ledger', async () => {
    const offer = await offerState(PAST)
    // given a run that dies right after Sparkfly voided the offer (its claim is never released)
    const crashing: typeof ledger = Object.create(ledger)
    crashing.transition = async () => {
      throw new Error('process died')
    }
    crashing.releaseClaim = async () => undefined
    const crashed = await runSweep(options(), deps({ ledger: crashing }))
    expect(crashed.failed).toBe(1)
    expect(await statusOf(offer)).toBe('issued')
    expect(voidsOf(offers, offer)).toBe(1)

    // when the next run comes after the dead run's leases lapsed
    const later = new Date(Date.now() + 10 * 60_000)
    const rerun = await runSweep(options({ runId: 'rerun' }), deps({ clock: () => later }))

    // then Sparkfly is not called to void again; the offer is marked expired and announced (same event id)
    expect(rerun).toMatchObject({ voided: 1, alreadyVoided: 0, failed: 0 })
    expect(voidsOf(offers, offer)).toBe(1)
    expect(await ledger.get(offer.kind, offer.id)).toMatchObject({
      status: 'expired',
      changedBy: 'sweep:rerun',
    })
    expect(new Set(publisher.events.map((e) => e.id))).toEqual(new Set([`offer.expired:${offer.pk}`]))
  })

  it('remembers an earlier void across attempts: fail, then crash after the void, then finish', async () => {
    const offer = await offerState(PAST)
    // run 1 cannot read Sparkfly and releases its claim (its void never happened)
    offers.fail('get', {
      error: new SparkflyServerError('Sparkfly offerStates.get failed with HTTP 503', { status: 503 }),
    })
    await runSweep(options({ maxConsecutiveFailures: 1 }), deps())
    expect(offers.callsOf('void')).toHaveLength(0)
    // run 2 voids, then dies before the ledger write
    const crashing: typeof ledger = Object.create(ledger)
    crashing.transition = async () => {
      throw new Error('process died')
    }
    crashing.releaseClaim = async () => undefined
    await runSweep(options(), deps({ ledger: crashing }))
    expect(voidsOf(offers, offer)).toBe(1)

    // run 3, after run 2's leases lapsed
    const later = new Date(Date.now() + 10 * 60_000)
    const third = await runSweep(options({ runId: 'third' }), deps({ clock: () => later }))

    expect(third).toMatchObject({ voided: 1, alreadyVoided: 0 })
    expect(voidsOf(offers, offer)).toBe(1)
    expect(await ledger.get(offer.kind, offer.id)).toMatchObject({ status: 'expired', voidReason: 'expired' })
  })

  it('two runs at the same time: the second finds the lease busy and nothing is voided twice', async () => {
    const due = await Promise.all(Array.from({ length: 6 }, () => offerState(PAST)))

    const [a, b] = await Promise.all([runSweep(options(), deps()), runSweep(options(), deps())])

    expect([a.status, b.status].sort()).toEqual(['busy', 'complete'])
    expect(a.voided + b.voided).toBe(due.length)
    for (const entry of due) expect(voidsOf(offers, entry)).toBe(1)
  })

  it('an overlapping run that got the lease after it lapsed skips offers still claimed by the first run', async () => {
    const due = await Promise.all(Array.from({ length: 4 }, () => offerState(PAST)))
    // run A holds its first void in flight
    let releaseA: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      releaseA = resolve
    })
    let heldId: string | undefined
    const holdVoid = (ref: OfferRef) => {
      if (heldId !== undefined) return Promise.resolve()
      heldId = ref.id
      return held
    }
    const runA = runSweep(
      options({ runId: 'A', concurrency: 1 }),
      deps({ offers: hooked(offers, { holdVoid }) }),
    )
    await vi.waitFor(() => expect(heldId).toBeDefined())

    // run B starts 100 s later: A's run lease (60 s + 30 s) lapsed, its offer claims (60 s + 60 s) have not
    const bClock = () => new Date(Date.now() + 100_000)
    const runB = await runSweep(options({ runId: 'B' }), deps({ clock: bClock }))
    releaseA()
    const summaryA = await runA

    expect(runB.status).toBe('complete')
    expect(runB.skipped.busy).toBeGreaterThanOrEqual(1)
    expect(summaryA.voided + runB.voided).toBe(due.length)
    for (const entry of due) {
      expect(voidsOf(offers, entry)).toBe(1)
      expect(await statusOf(entry)).toBe('expired')
    }
  })

  it('a Sparkfly outage stops the run after consecutive failures and leaves every offer for the next run', async () => {
    const due = await Promise.all(Array.from({ length: 6 }, () => offerState(PAST)))
    // Sparkfly fails every read until the run gives up (after 3 in a row)
    offers.fail('get', {
      error: new SparkflyServerError('Sparkfly offerStates.get failed with HTTP 503', { status: 503 }),
      times: 3,
    })

    const during = await runSweep(options({ concurrency: 1 }), deps())

    expect(during).toMatchObject({ status: 'stopped_for_failures', failed: 3, voided: 0, remaining: 6 })
    expect(during.failures.sparkfly_unavailable).toBe(3)
    for (const entry of due) expect(await statusOf(entry)).toBe('issued')

    // when Sparkfly is back, the next run completes all of them
    const after = await runSweep(options(), deps())
    expect(after).toMatchObject({ status: 'complete', voided: 6, remaining: 0 })
    for (const entry of due) expect(voidsOf(offers, entry)).toBe(1)
  })

  it('a throttled void leaves the offer for later and waits Retry-After before the next call', async () => {
    const due = [await offerState(PAST), await offerState(PAST)]
    offers.fail('void', {
      error: new SparkflyRateLimitError('Sparkfly offerStates.void failed with HTTP 429', {
        status: 429,
        retryAfterMs: 700,
      }),
    })
    const waits: number[] = []

    const first = await runSweep(
      options({ concurrency: 1 }),
      deps({
        sleep: async (ms) => {
          waits.push(ms)
        },
      }),
    )

    expect(first).toMatchObject({ voided: 1, failed: 1, remaining: 1 })
    expect(first.failures.rate_limited).toBe(1)
    expect(waits.length).toBe(1)
    expect(waits[0]).toBeGreaterThan(500)
    // the throttled void provably did not reach Sparkfly: its claim says so
    const throttledRef = offers.callsOf('void')[0]?.args[0] as OfferRef | undefined
    const throttled = due.find((entry) => entry.id === throttledRef?.id)
    expect(await rawItem(sweepClaimKey(throttled?.pk ?? '?'))).toMatchObject({
      mayHaveReachedSparkfly: false,
    })
    const second = await runSweep(options(), deps())
    expect(second).toMatchObject({ voided: 1, remaining: 0 })
    for (const entry of due) expect(await statusOf(entry)).toBe('expired')
  })

  it('skips offers that changed in the ledger after the index was read', async () => {
    const offer = await offerState(PAST)
    // the webhook redeems it between the index read and the sweep's turn
    const racing: typeof ledger = Object.create(ledger)
    racing.dueForSweep = async (...args) => {
      const page = await ledger.dueForSweep(...args)
      for (const item of page.items) {
        await ledger.transition(item.kind, item.id, 'redeemed', { at: '2026-02-28T23:00:00.000Z' })
      }
      return page
    }

    const summary = await runSweep(options(), deps({ ledger: racing }))

    expect(summary.skipped.stale).toBe(1)
    expect(offers.callsOf('get')).toHaveLength(0)
    expect(await statusOf(offer)).toBe('redeemed')
  })

  it('an offer gone from Sparkfly between the look and the void is marked expired, never failed', async () => {
    const offer = await offerState(PAST)
    const vanishing = {
      get: offers.get.bind(offers),
      void: async () => ({ outcome: 'not_found' as const }),
    }

    const summary = await runSweep(options(), deps({ offers: vanishing }))

    expect(summary).toMatchObject({ notFound: 1, voided: 0, expired: 1, failed: 0 })
    expect(await ledger.get(offer.kind, offer.id)).toMatchObject({ status: 'expired', voidReason: 'expired' })
    expect(publisher.events.map((e) => e.type)).toEqual(['offer.expired'])
  })

  it('abandons a void at the hard deadline, counts it as aborted and remembers it may have happened', async () => {
    const offer = await offerState(PAST)
    // Sparkfly never answers: only the run's signal ends the call
    const silent = {
      get: offers.get.bind(offers),
      void: (_ref: OfferRef, callOptions?: { signal?: AbortSignal }) =>
        new Promise<never>((_resolve, reject) => {
          callOptions?.signal?.addEventListener('abort', () => reject(callOptions.signal?.reason))
        }),
    }

    // 60 ms left, stop 30 ms before the end: calls are abandoned 10 ms before it
    const summary = await runSweep(
      options({ timeMarginMs: 30, maxConsecutiveFailures: 1 }),
      deps({ offers: silent, remainingTimeMs: () => 60 }),
    )

    expect(summary).toMatchObject({ failed: 1, status: 'stopped_for_failures' })
    expect(summary.failures.aborted).toBe(1)
    expect(await statusOf(offer)).toBe('issued')
    // and the next attempt knows the abandoned void may have reached Sparkfly
    expect(await rawItem(sweepClaimKey(offer.pk))).toMatchObject({
      state: 'failed',
      mayHaveReachedSparkfly: true,
    })
  })

  it('starts with the partition the previous run stopped in', async () => {
    await credential(OLD_CREDENTIAL)
    checkpoints.value = {
      ...(await runSweep(options({ dryRun: true }), deps())),
      status: 'stopped_for_time',
      resumeFrom: { kind: OfferKind.credential, shard: 1 },
    }
    const seen: string[] = []
    const spying: typeof ledger = Object.create(ledger)
    spying.dueForSweep = (kind, shard, cutoff, page) => {
      seen.push(`${kind}#${shard}`)
      return ledger.dueForSweep(kind, shard, cutoff, page)
    }

    await runSweep(options(), deps({ ledger: spying }))

    expect(seen.slice(0, 4)).toEqual(['credential#1', 'offerState#0', 'offerState#1', 'credential#0'])
  })
})
