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
import { SparkflyOfferStatus } from '../../../lib/expiry/gateway'
import { Ledger, type LedgerEntry, ledgerTableDefinition, OfferKind } from '../../../lib/ledger'
import { SparkflyRateLimitError, SparkflyServerError } from '../../../lib/sparkfly/errors'
import { startLedgerDynamo } from '../../support/dynamo'
import { FakePublisher, FakeSparkfly, MemoryCheckpoints, MemoryLogger } from './fakes'

const NOW = new Date('2026-03-01T00:00:00.000Z')
const PAST = '2026-02-28T12:00:00.000Z'
const FUTURE = '2026-03-02T00:00:00.000Z'
const OLD_CREDENTIAL = '2025-11-01T00:00:00.000Z' // older than 90 days at NOW
const YOUNG_CREDENTIAL = '2026-02-01T00:00:00.000Z'

let dynamo: Awaited<ReturnType<typeof startLedgerDynamo>>
let ledger: Ledger
let tableName: string
let sparkfly: FakeSparkfly
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
  sparkfly = new FakeSparkfly()
  publisher = new FakePublisher()
  checkpoints = new MemoryCheckpoints()
})

async function offerState(
  expiresAt: string,
  status: keyof typeof SparkflyOfferStatus = 'open',
): Promise<LedgerEntry> {
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
  sparkfly.set(entry, SparkflyOfferStatus[status])
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
  sparkfly.set(entry, SparkflyOfferStatus.open)
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
  gateway: sparkfly,
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
      expect(sparkfly.voids.get(entry.pk)).toBe(1)
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
      expect(sparkfly.voids.get(entry.pk)).toBeUndefined()
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
    expect(sparkfly.totalVoids()).toBe(0)
    expect(await ledger.get(redeemed.kind, redeemed.id)).toMatchObject({
      status: 'redeemed',
      redeemedAt: '2026-02-20T10:00:00.000Z',
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
    expect(sparkfly.totalVoids()).toBe(0)
    expect(publisher.events).toHaveLength(0)
    for (const entry of [open, redeemed, old]) {
      expect(await statusOf(entry)).toBe('issued')
      expect(await rawItem(sweepClaimKey(entry.pk))).toBeUndefined()
    }
    expect(await rawItem(SWEEP_LEASE_KEY)).toBeUndefined()
    expect(checkpoints.writes).toBe(0)
  })

  it('stops before the time limit and the next run finishes, voiding each offer exactly once', async () => {
    const offers = await Promise.all(Array.from({ length: 9 }, () => offerState(PAST)))
    // The Lambda "clock": 1 s per Sparkfly call, 20 s to live, stop 10 s before the end.
    let left = 20_000
    sparkfly.afterCall = () => {
      left -= 1_000
    }

    const first = await runSweep(options({ concurrency: 1 }), deps({ remainingTimeMs: () => left }))

    expect(first.status).toBe(SweepStatus.stoppedForTime)
    expect(first.voided).toBeGreaterThan(0)
    expect(first.remaining).toBe(offers.length - first.voided)
    expect(first.resumeFrom).toBeDefined()
    expect(checkpoints.value).toMatchObject({ status: 'stopped_for_time', remaining: first.remaining })

    const second = await runSweep(options(), deps())

    expect(second).toMatchObject({ status: 'complete', voided: offers.length - first.voided, remaining: 0 })
    for (const entry of offers) {
      expect(sparkfly.voids.get(entry.pk)).toBe(1)
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
    expect(sparkfly.voids.get(offer.pk)).toBe(1)

    // when the next run comes after the dead run's leases lapsed
    const later = new Date(Date.now() + 10 * 60_000)
    const rerun = await runSweep(options({ runId: 'rerun' }), deps({ clock: () => later }))

    // then Sparkfly is not called to void again; the offer is marked expired and announced (same event id)
    expect(rerun).toMatchObject({ voided: 1, alreadyVoided: 0, failed: 0 })
    expect(sparkfly.voids.get(offer.pk)).toBe(1)
    expect(await ledger.get(offer.kind, offer.id)).toMatchObject({
      status: 'expired',
      changedBy: 'sweep:rerun',
    })
    expect(new Set(publisher.events.map((e) => e.id))).toEqual(new Set([`offer.expired:${offer.pk}`]))
  })

  it('remembers an earlier void across attempts: fail, then crash after the void, then finish', async () => {
    const offer = await offerState(PAST)
    // run 1 cannot read Sparkfly and releases its claim (its void never happened)
    sparkfly.failLook = () =>
      new SparkflyServerError('Sparkfly offerStates.get failed with HTTP 503', { status: 503 })
    await runSweep(options({ maxConsecutiveFailures: 1 }), deps())
    sparkfly.failLook = undefined
    // run 2 voids, then dies before the ledger write
    const crashing: typeof ledger = Object.create(ledger)
    crashing.transition = async () => {
      throw new Error('process died')
    }
    crashing.releaseClaim = async () => undefined
    await runSweep(options(), deps({ ledger: crashing }))
    expect(sparkfly.voids.get(offer.pk)).toBe(1)

    // run 3, after run 2's leases lapsed
    const later = new Date(Date.now() + 10 * 60_000)
    const third = await runSweep(options({ runId: 'third' }), deps({ clock: () => later }))

    expect(third).toMatchObject({ voided: 1, alreadyVoided: 0 })
    expect(sparkfly.voids.get(offer.pk)).toBe(1)
    expect(await ledger.get(offer.kind, offer.id)).toMatchObject({ status: 'expired', voidReason: 'expired' })
  })

  it('two runs at the same time: the second finds the lease busy and nothing is voided twice', async () => {
    const offers = await Promise.all(Array.from({ length: 6 }, () => offerState(PAST)))

    const [a, b] = await Promise.all([runSweep(options(), deps()), runSweep(options(), deps())])

    expect([a.status, b.status].sort()).toEqual(['busy', 'complete'])
    expect(a.voided + b.voided).toBe(offers.length)
    for (const entry of offers) expect(sparkfly.voids.get(entry.pk)).toBe(1)
  })

  it('an overlapping run that got the lease after it lapsed skips offers still claimed by the first run', async () => {
    const offers = await Promise.all(Array.from({ length: 4 }, () => offerState(PAST)))
    // run A holds its first void in flight
    let releaseA: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      releaseA = resolve
    })
    let heldPk: string | undefined
    sparkfly.holdVoid = (entry) => {
      if (heldPk !== undefined) return Promise.resolve()
      heldPk = entry.pk
      return held
    }
    const runA = runSweep(options({ runId: 'A', concurrency: 1 }), deps())
    await vi.waitFor(() => expect(heldPk).toBeDefined())

    // run B starts 100 s later: A's run lease (60 s + 30 s) lapsed, its offer claims (60 s + 60 s) have not
    const bClock = () => new Date(Date.now() + 100_000)
    const runB = await runSweep(options({ runId: 'B' }), deps({ clock: bClock }))
    releaseA()
    const summaryA = await runA

    expect(runB.status).toBe('complete')
    expect(runB.skipped.busy).toBeGreaterThanOrEqual(1)
    expect(summaryA.voided + runB.voided).toBe(offers.length)
    for (const entry of offers) {
      expect(sparkfly.voids.get(entry.pk)).toBe(1)
      expect(await statusOf(entry)).toBe('expired')
    }
  })

  it('a Sparkfly outage stops the run after consecutive failures and leaves every offer for the next run', async () => {
    const offers = await Promise.all(Array.from({ length: 6 }, () => offerState(PAST)))
    sparkfly.failLook = () =>
      new SparkflyServerError('Sparkfly offerStates.get failed with HTTP 503', { status: 503 })

    const during = await runSweep(options({ concurrency: 1 }), deps())

    expect(during).toMatchObject({ status: 'stopped_for_failures', failed: 3, voided: 0, remaining: 6 })
    expect(during.failures.sparkfly_unavailable).toBe(3)
    for (const entry of offers) expect(await statusOf(entry)).toBe('issued')

    // when Sparkfly is back, the next run completes all of them
    sparkfly.failLook = undefined
    const after = await runSweep(options(), deps())
    expect(after).toMatchObject({ status: 'complete', voided: 6, remaining: 0 })
    for (const entry of offers) expect(sparkfly.voids.get(entry.pk)).toBe(1)
  })

  it('a throttled void leaves the offer for later and waits Retry-After before the next call', async () => {
    const offers = [await offerState(PAST), await offerState(PAST)]
    let throttled = false
    sparkfly.failVoid = () => {
      if (throttled) return undefined
      throttled = true
      return new SparkflyRateLimitError('Sparkfly offerStates.void failed with HTTP 429', {
        status: 429,
        retryAfterMs: 700,
      })
    }
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
    const second = await runSweep(options(), deps())
    expect(second).toMatchObject({ voided: 1, remaining: 0 })
    for (const entry of offers) expect(await statusOf(entry)).toBe('expired')
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
    expect(sparkfly.lookCalls).toBe(0)
    expect(await statusOf(offer)).toBe('redeemed')
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
