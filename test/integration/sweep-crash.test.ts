import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SqsOfferEventPublisher } from '../../lib/events/outbound'
import { runSweep, type SweepCheckpoint, type SweepSummary } from '../../lib/expiry'
import { Ledger } from '../../lib/ledger/Ledger'
import { LedgerSweepCheckpoints } from '../../lib/ledger/SweepCheckpoints'
import type { LedgerEntry } from '../../lib/ledger/types'
import { sparkflyOffers } from '../../lib/offers'
import { createSparkflyClient, type SparkflyTransport } from '../../lib/sparkfly'
import { LOCAL_CREDENTIALS } from '../../local/aws'
import { seededRandom } from '../../local/sandbox/faults'
import { startTestSystem, type TestSystem } from '../support/system'

/**
 * Crash-safety of the expiry sweep. A run is "killed" at its k-th call to DynamoDB, SQS or Sparkfly: from that call
 * on, nothing the run does reaches any service and no answer reaches the run, exactly as if its process had been
 * SIGKILLed there. Half of the kills let the k-th request reach the service first (the process died waiting for the
 * answer: the dangerous case for a Sparkfly void). Requests already in flight are let finish at the service before
 * the next run starts, as they would after a real kill. The next run comes two hours later on the lease clock (the
 * next schedule), so the dead run's lease and claims have lapsed, as they would have.
 */

const T0 = '2026-03-01T00:00:00.000Z'
const HOUR = 3_600_000
const DAY = 24 * HOUR
const CRASHES = 20
const OFFER_STATES = 40
const CREDENTIALS = 8

let system: TestSystem
beforeAll(async () => {
  system = await startTestSystem({ sandbox: { now: T0, freezeClock: true } })
})
afterAll(() => system?.stop())

/** The part of an SDK v3 client's middleware stack used here. */
interface MiddlewareStack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: { commandName?: string },
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ): void
}

const never = <T>() => new Promise<T>(() => undefined)

/** The kill switch of one run: counts its I/O calls (or only its Sparkfly voids) and freezes the run at the k-th. */
class Crash {
  calls = 0
  counted = 0
  crashed = false
  fatalCall = ''
  /** Requests that reached a service, to let them finish there before the next run. */
  readonly inFlight = new Set<Promise<unknown>>()
  constructor(
    private readonly at: number,
    private readonly sendTheFatalCall: boolean,
    private readonly counts: (label: string) => boolean = () => true,
  ) {}

  /** Runs one I/O call, named by `label`, through the switch. */
  call<T>(label: string, send: () => Promise<T>): Promise<T> {
    if (this.crashed) return never()
    this.calls += 1
    if (this.counts(label)) this.counted += 1
    const fatal = this.counts(label) && this.counted === this.at
    if (fatal) {
      this.crashed = true
      this.fatalCall = `${label} (${this.sendTheFatalCall ? 'sent, answer lost' : 'never sent'})`
    }
    if (fatal && !this.sendTheFatalCall) return never()
    const sent = send()
    const settled = sent.then(
      () => undefined,
      () => undefined,
    )
    this.inFlight.add(settled)
    settled.then(() => this.inFlight.delete(settled))
    return sent.then((value) => (this.crashed ? never<T>() : value))
  }

  /** Resolves once the run is dead and every request it had sent is finished at the service. */
  async died(): Promise<void> {
    while (!this.crashed) await new Promise((resolve) => setTimeout(resolve, 5))
    await Promise.allSettled([...this.inFlight])
  }
}

const isSparkflyVoid = (label: string) => /^(POST|PUT) .*\/void/.test(label)

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined }

/** The sweep's adapters (as `sweepDepsFrom` builds them) with every service call going through `crash`. */
function depsFor(crash: Crash, clockOffsetMs: number) {
  const dynamo = new DynamoDBClient({
    endpoint: system.aws.endpoints.dynamodb,
    region: system.aws.region,
    credentials: LOCAL_CREDENTIALS,
  })
  const sqs = new SQSClient({
    endpoint: system.aws.endpoints.sqs,
    region: system.aws.region,
    credentials: LOCAL_CREDENTIALS,
  })
  for (const stack of [dynamo.middlewareStack, sqs.middlewareStack] as unknown as MiddlewareStack[]) {
    stack.add((next, context) => (args) => crash.call(context.commandName ?? 'aws', () => next(args)), {
      step: 'initialize',
      name: 'crashSwitch',
    })
  }
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } })
  const transport: SparkflyTransport = (url, request) =>
    crash.call(`${request.method} ${new URL(url).pathname}`, () => fetch(url, request))
  const sparkfly = createSparkflyClient({
    baseUrl: system.sandbox.url,
    secretId: system.aws.secretIds.sparkfly,
    transport,
    timeoutMs: 2_000,
    // A killed run's calls never answer; its client would log their timeouts for ever after.
    logger: { ...silent, debug: () => undefined },
  })
  return {
    deps: {
      ledger: new Ledger({ tableName: system.aws.tables.ledger, client: documents }),
      offers: sparkflyOffers(sparkfly),
      publisher: new SqsOfferEventPublisher(sqs, system.aws.queues.offerEvents),
      checkpoints: new LedgerSweepCheckpoints<SweepCheckpoint>({
        tableName: system.aws.tables.ledger,
        client: documents,
      }),
      eventSource: 'urn:sparkfly-offer-lifecycle:test',
      remainingTimeMs: () => 120_000,
      clock: () => new Date(Date.now() + clockOffsetMs),
      logger: silent,
    },
    destroy: () => {
      dynamo.destroy()
      sqs.destroy()
    },
  }
}

const sweepOptions = (runId: string) => ({
  runId,
  now: system.sandbox.admin.clock.now(),
  credentialMaxAgeDays: 90,
  timeMarginMs: 15_000,
  pageSize: 10,
  concurrency: 4,
})

describe('expiry sweep: killed at random points', () => {
  it(`killed ${CRASHES} times and rerun until done, voids every expired offer exactly once`, async () => {
    // given offer states that expired and credentials past their maximum age
    const expiresAt = new Date(Date.parse(T0) + HOUR).toISOString()
    const offers: LedgerEntry[] = []
    for (let i = 0; i < OFFER_STATES; i += 1) offers.push(await system.issueOfferState({ expiresAt }))
    for (let i = 0; i < CREDENTIALS; i += 1) {
      offers.push(
        await system.issueCredential({ issuedAt: new Date(Date.parse(T0) - 120 * DAY).toISOString() }),
      )
    }
    system.sandbox.admin.clock.advance(2 * HOUR)
    system.sandbox.admin.resetCounters()
    await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 200 })

    // when the sweep is killed at 20 random points, each kill followed by a new run two hours later
    const seed = Number(process.env.SWEEP_CRASH_SEED) || Math.floor(Math.random() * 2 ** 31)
    const random = seededRandom(seed)
    console.log(`sweep-crash seed ${seed} (SWEEP_CRASH_SEED=${seed} replays the crash points)`)
    let run = 0
    const kills: string[] = []
    const cleanups: Array<() => void> = []
    for (; run < CRASHES; run += 1) {
      // even runs die at a random call of any kind; odd runs at a random Sparkfly void, half of them after it was sent
      const crash =
        run % 2 === 0
          ? new Crash(1 + Math.floor(random() * 50), random() < 0.5)
          : new Crash(1 + Math.floor(random() * 4), random() < 0.75, isSparkflyVoid)
      const { deps, destroy } = depsFor(crash, run * 2 * HOUR)
      cleanups.push(destroy)
      const outcome = await Promise.race([
        runSweep(sweepOptions(`crash-${run}`), deps).then((summary) => ({ summary })),
        crash.died().then(() => ({ died: true as const })),
      ])
      kills.push(
        'died' in outcome
          ? `killed at call ${crash.calls}: ${crash.fatalCall}`
          : `finished (${outcome.summary.status})`,
      )
    }
    // and then runs until one completes with nothing left
    let last: SweepSummary | undefined
    for (
      let attempt = 0;
      attempt < 5 && !(last?.status === 'complete' && last.remaining === 0);
      attempt += 1
    ) {
      const { deps, destroy } = depsFor(new Crash(Number.POSITIVE_INFINITY, true), (run + attempt) * 2 * HOUR)
      cleanups.push(destroy)
      last = await runSweep(sweepOptions(`final-${attempt}`), deps)
    }
    console.log(`sweep kills:\n  ${kills.join('\n  ')}`)

    // then the kills happened (at least most runs died before finishing)
    expect(kills.filter((k) => k.startsWith('killed')).length).toBeGreaterThanOrEqual(CRASHES / 2)
    expect(kills.some((k) => /void \(sent, answer lost\)/.test(k))).toBe(true)
    expect(last).toMatchObject({ status: 'complete', failed: 0, remaining: 0 })

    // and Sparkfly voided each offer exactly once and never refused a second void
    const voids = new Map<string, number>()
    const refused: string[] = []
    for (const request of system.sandbox.admin.requests()) {
      if (request.operation !== 'offerStates.void' && request.operation !== 'credentials.void') continue
      const id = /(?:offer_states|credentials)\/(\d+)\/void/.exec(request.path)?.[1] ?? '?'
      if (request.status >= 200 && request.status < 300) voids.set(id, (voids.get(id) ?? 0) + 1)
      else refused.push(`${request.status} ${request.path}`)
    }
    expect(refused).toEqual([])
    for (const offer of offers) {
      expect({ id: offer.id, voids: voids.get(offer.id) ?? 0 }).toEqual({ id: offer.id, voids: 1 })
      const inSparkfly =
        offer.kind === 'offerState'
          ? system.sandbox.admin.getOfferState(Number(offer.id))?.status
          : system.sandbox.admin.getCredential(Number(offer.id))?.status
      expect(inSparkfly).toBe('voided')
      // and the ledger holds it as expired
      expect((await system.ledger.get(offer.kind, offer.id))?.status).toBe('expired')
    }
    expect(voids.size).toBe(offers.length)

    // and an offer.expired event was published for each (replays carry the same id)
    const events = await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 300 })
    const expiredIds = new Set(
      events
        .map((m) => JSON.parse(m.body) as { id: string; type: string })
        .filter((e) => e.type === 'offer.expired')
        .map((e) => e.id),
    )
    for (const offer of offers) expect(expiredIds.has(`offer.expired:${offer.pk}`)).toBe(true)

    for (const cleanup of cleanups) cleanup()
  }, 90_000)
})
