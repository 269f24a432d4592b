/**
 * The issuance soak: the whole local system under Sparkfly faults, duplicate deliveries and crashes of the issuance
 * process, then an account of every event sent. Used by `npm run soak` (scripts/soak.ts, 10,000 events by default)
 * and by test/integration/soak.test.ts (the CI-sized run).
 *
 * Design (what is real and what is scaled):
 * - `startLocalSystem` runs the sandbox, SQS, DynamoDB, Secrets Manager and every other function in this process.
 *   The `issueOffers` poller runs in a child process (`issuanceWorker.ts`, the real handler behind the same
 *   Lambda-like event source), so a crash is a real SIGKILL: nothing in that process gets to clean up.
 * - Crashes are triggered by the sandbox itself while it applies an `offerStates.issue` (`crashes.ts`): killed before
 *   the 201 is written, or frozen before and killed right after it left. Either way the worker dies between Sparkfly
 *   applying the issue and recording it, whatever the machine's load; right after each kill the soak checks that the
 *   trigger offer is not in the ledger, and at the end that it was recovered. A new worker starts, like a new Lambda
 *   container.
 * - Besides today's mix (500, 429, hangs, token expiries), 5% of issue calls lose their answer in each of the three
 *   ways (`apply-then-503`, `apply-then-reset`, `apply-then-hang`): the offer exists, the worker cannot know.
 * - The wait for the queue to drain is bounded by progress, not by time: it gives up only after a number of poll
 *   rounds in which nothing moved (queue, dead letters, Sparkfly calls), enough to outlast a visibility timeout.
 * - Time is scaled down 5x from serverless.yml (function timeout 30 s -> 6 s, Sparkfly timeout 5 s -> 1 s,
 *   visibility 180 s -> 15 s) so a run takes minutes. The ratios that matter are kept: the visibility timeout
 *   exceeds the issuance claim lease (function timeout + 5 s), as 180 s exceeds 35 s in AWS.
 */
import type { ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import pLimit from 'p-limit'
import { LOCAL_CREDENTIALS } from '../aws'
import { queueDepth } from '../aws/queues'
import { seededRandom } from '../sandbox/faults'
import { type LocalSystem, startLocalSystem } from '../system'
import { accountDlq, accountEvents, countMix, countOffers, issuedEventIds } from './account'
import { type CrashReport, CrashSchedule, crashPoints } from './crashes'
import { deliveries, type EventKind, type PlannedEvent, planEvents } from './plan'
import { drainQueue, inLedger, offerLedgerKey, soakOffers } from './probes'
import { newWorkerTally, startWorker, stopWorker, type WorkerTally } from './worker'

export { CrashPoint, type CrashReport } from './crashes'
export { EventKind } from './plan'

export interface SoakOptions {
  /** Loyalty events to send (default 10,000). */
  events?: number
  /** Times the issuance process is killed mid-issue, alternately before and after the 201 (default 2 + one per 4,000 events). */
  crashes?: number
  /** Share of events delivered twice (default 0.1). */
  duplicateRate?: number
  /** Sandbox fault rates per Sparkfly call (default 5% 500, 5% 429 with Retry-After 1 s, 1% hung). */
  faults?: { '500'?: number; '429'?: number; hang?: number }
  /** Share of `offerStates.issue` calls losing their answer, for each of apply-then-503/-reset/-hang (default 0.05). */
  lostAnswerRate?: number
  /** Each Sparkfly token answers this many calls, then 401 (default 1,000). */
  tokenExpiresEveryCalls?: number
  /** Seed of the event mix and of the sandbox's fault rolls (default: random, printed in the report). */
  seed?: number
  /** Function timeout of issueOffers in the soak (default 6 s; 30 s deployed). */
  functionTimeoutMs?: number
  /** Visibility timeout of the queues (default 15 s; 180 s deployed). */
  visibilityTimeoutSeconds?: number
  /** Sparkfly per-attempt timeout (default 1 s; 5 s deployed). */
  sparkflyTimeoutMs?: number
  /** Concurrent issuance invocations (default: serverless.yml's, capped at 5 as the local system does). */
  maxConcurrency?: number
  /**
   * Give up waiting for the queue to drain after this many poll rounds (500 ms each, longer on a loaded machine) in
   * which nothing moved: no queue change, no dead letter, no Sparkfly call (default: 3 visibility timeouts' worth).
   */
  stallRounds?: number
  rootDir?: string
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export interface SoakReport {
  seed: number
  eventsSent: number
  messagesSent: number
  duplicateDeliveries: number
  /** Events by what they are meant to do. */
  mix: Record<EventKind, number>
  /** (event, rule) pairs the rules ask for. */
  expectedOffers: number
  /** Offer states in the sandbox that belong to this soak. */
  offersInSandbox: number
  /** Extra offers for an (event, rule) that already had one. Must be 0. */
  duplicates: number
  /** Events that are neither fully issued, nor an unknown-type acknowledgement, nor parked with a reason. Must be 0. */
  lost: number
  lostEventIds: string[]
  /** Events that should have been issued but were parked (a reason was given, yet it is a failure). */
  validEventsParked: number
  /** Unknown-type events acknowledged without an offer or a DLQ entry. */
  unknownTypeAcknowledged: number
  dlqByReason: Record<string, number>
  /** Sandbox offers without a ledger entry at the end. Must be 0. */
  offersNotInLedger: number
  /** Sandbox offers without an `offer.issued` event on the offer-events queue. Must be 0. */
  offersWithoutIssuedEvent: number
  offerEventsReceived: number
  crashes: CrashReport[]
  /** Issuance invocations that hit the function timeout (Lambda would have killed them; locally they run on). */
  invocationTimeouts: number
  /** Issuance workers that died without being killed by the soak (the function crashed its process). Must be 0. */
  workerDeaths: number
  /** (event, rule) references with more than one offer, first 20. */
  duplicateRefs: string[]
  sparkflyCalls: Record<string, number>
  faultsInjected: Record<string, number>
  tokensMinted: number
  drained: boolean
  /** Poll rounds in a row without progress when the wait ended (at most `stallRounds`). */
  stallRoundsAtEnd: number
  wallTimeMs: number
  settings: {
    functionTimeoutMs: number
    visibilityTimeoutSeconds: number
    sparkflyTimeoutMs: number
    maxConcurrency: number | 'default'
    faults: Required<NonNullable<SoakOptions['faults']>>
    lostAnswerRate: number
    tokenExpiresEveryCalls: number
    duplicateRate: number
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

/** The options with their defaults applied. */
interface SoakSettings {
  started: number
  log: (line: string) => void
  eventCount: number
  crashesWanted: number
  duplicateRate: number
  faults: SoakReport['settings']['faults']
  lostAnswerRate: number
  tokenExpiresEveryCalls: number
  seed: number
  runId: string
  functionTimeoutMs: number
  visibilityTimeoutSeconds: number
  sparkflyTimeoutMs: number
  maxConcurrency: number | undefined
  stallRounds: number
  rootDir: string
}

/** What the sandbox's request observer counts. */
interface SandboxTally {
  faultsInjected: Record<string, number>
  issuedAnswers: number
  tokensMinted: number
}

/** The soak's state, shared by its steps. */
interface SoakState {
  readonly settings: SoakSettings
  readonly random: () => number
  readonly tally: SandboxTally
  readonly crash: CrashSchedule
  readonly system: LocalSystem
  readonly sqs: SQSClient
  readonly documents: DynamoDBDocumentClient
  readonly queueUrl: string
  readonly workerTally: WorkerTally
  worker: ChildProcess | undefined
  /** Workers that died without being killed by the soak (a crash of the function itself). Must be 0. */
  workerDeaths: number
  stopping: boolean
  events: PlannedEvent[]
  bodies: string[]
  expectedOffers: number
  drained: boolean
  stallRounds: number
}

const POLL_MS = 500

function resolveSettings(options: SoakOptions): SoakSettings {
  const eventCount = options.events ?? 10_000
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const functionTimeoutMs = options.functionTimeoutMs ?? 6_000
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 15
  return {
    started: Date.now(),
    log: options.log ?? (() => undefined),
    eventCount,
    crashesWanted: options.crashes ?? 2 + Math.floor(eventCount / 4_000),
    duplicateRate: options.duplicateRate ?? 0.1,
    faults: { '500': 0.05, '429': 0.05, hang: 0.01, ...options.faults },
    lostAnswerRate: options.lostAnswerRate ?? 0.05,
    tokenExpiresEveryCalls: options.tokenExpiresEveryCalls ?? 1_000,
    seed,
    runId: seed.toString(36),
    functionTimeoutMs,
    visibilityTimeoutSeconds,
    sparkflyTimeoutMs: options.sparkflyTimeoutMs ?? 1_000,
    maxConcurrency: options.maxConcurrency,
    stallRounds:
      options.stallRounds ?? Math.ceil((3 * visibilityTimeoutSeconds * 1000 + functionTimeoutMs) / POLL_MS),
    rootDir: resolve(options.rootDir ?? process.cwd()),
  }
}

/** Step 1: the local system (everything but issuance, which runs in the worker) and the clients to read it. */
async function setup(settings: SoakSettings): Promise<SoakState> {
  const tally: SandboxTally = { faultsInjected: {}, issuedAnswers: 0, tokensMinted: 0 }
  const crash = new CrashSchedule()
  const system = await startSoakSystem(settings, tally, crash)
  const { region, endpoints } = system.aws
  return {
    settings,
    random: seededRandom(settings.seed),
    tally,
    crash,
    system,
    sqs: new SQSClient({ region, endpoint: endpoints.sqs, credentials: LOCAL_CREDENTIALS }),
    documents: DynamoDBDocumentClient.from(
      new DynamoDBClient({ region, endpoint: endpoints.dynamodb, credentials: LOCAL_CREDENTIALS }),
    ),
    queueUrl: system.aws.queues.loyaltyEvents,
    workerTally: newWorkerTally(),
    worker: undefined,
    workerDeaths: 0,
    stopping: false,
    events: [],
    bodies: [],
    expectedOffers: 0,
    drained: false,
    stallRounds: 0,
  }
}

function startSoakSystem(settings: SoakSettings, tally: SandboxTally, crash: CrashSchedule) {
  const { faults } = settings
  const mix = { '500': faults['500'], '429': faults['429'], hang: faults.hang }
  const lost = settings.lostAnswerRate
  return startLocalSystem({
    rootDir: settings.rootDir,
    importModule: (path) => import(path),
    externalEventSources: ['issueOffers'],
    disableSchedules: true,
    endpointsFile: null,
    visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
    env: {
      SPARKFLY_TIMEOUT_MS: String(settings.sparkflyTimeoutMs),
      SPARKFLY_MAX_RETRIES: '2',
      EVENT_SOURCE: 'urn:sparkfly-offer-lifecycle:soak',
    },
    sandbox: {
      faults: {
        rates: mix,
        perOperation: {
          'offerStates.issue': {
            ...mix,
            'apply-then-503': lost,
            'apply-then-reset': lost,
            'apply-then-hang': lost,
          },
        },
        retryAfterSeconds: 1,
        seed: settings.seed,
        tokenExpiresEveryCalls: settings.tokenExpiresEveryCalls,
      },
      onRequest: (entry) => {
        const { faultsInjected } = tally
        if (entry.fault) faultsInjected[String(entry.fault)] = (faultsInjected[String(entry.fault)] ?? 0) + 1
        if (entry.operation === 'auth' && entry.status === 204) tally.tokensMinted += 1
        if (entry.operation === 'offerStates.issue' && entry.status === 201) tally.issuedAnswers += 1
        crash.onAnswered(entry)
      },
      onApplied: (entry, answer) => crash.onApplied(entry, answer),
    },
  })
}

/**
 * A new issuance "container". One that dies on its own (not a planned crash, not the teardown) is counted, its last
 * output logged, and replaced, as Lambda would start a new container.
 */
async function startIssuanceWorker(state: SoakState): Promise<ChildProcess> {
  const { settings } = state
  const child = await startWorker(
    {
      rootDir: settings.rootDir,
      queueUrl: state.queueUrl,
      functionTimeoutMs: settings.functionTimeoutMs,
      maxConcurrency: settings.maxConcurrency,
      env: state.system.endpoints.env as Record<string, string>,
    },
    state.workerTally,
  )
  child.once('exit', (code, signal) => {
    if (state.stopping || state.crash.killed(child) || state.worker !== child) return
    state.workerDeaths += 1
    settings.log(
      `  the issuance worker died on its own (${signal ?? `exit ${code}`}): ${state.workerTally.output.join('').slice(-1500)}`,
    )
    state.crash.inProgress ??= startIssuanceWorker(state).then(
      (next) => {
        state.worker = next
        state.crash.inProgress = undefined
      },
      (error: unknown) => {
        state.crash.inProgress = undefined
        settings.log(`  could not start a new worker: ${String(error)}`)
      },
    )
  })
  return child
}

/** Step 2: the events and the order their messages go out in. */
function plan(state: SoakState): void {
  const { settings } = state
  state.events = planEvents(settings.eventCount, settings.runId, state.random, state.system)
  state.bodies = deliveries(state.events, settings.duplicateRate, state.random)
  state.expectedOffers = state.events.reduce((sum, event) => sum + event.refs.length, 0)
}

/** Step 3: crash points spread over the run, by issues Sparkfly applied. */
function scheduleCrashes(state: SoakState): void {
  state.crash.arm(
    {
      worker: () => state.worker,
      inspect: (triggerOfferId) => inspectCrash(state, triggerOfferId),
      restart: async () => {
        state.worker = await startIssuanceWorker(state)
      },
      log: state.settings.log,
    },
    crashPoints(state.settings.crashesWanted, state.expectedOffers),
  )
}

/** What a kill left: the trigger offer recorded or not, messages in flight, recent offers not in the ledger. */
async function inspectCrash(
  state: SoakState,
  triggerOfferId: number,
): Promise<Pick<CrashReport, 'recordedAtKill' | 'inFlightMessages' | 'issuedNotRecorded'>> {
  const { documents, system } = state
  const recordedAtKill = (await inLedger(documents, system.aws.tables.ledger, [triggerOfferId])).has(
    offerLedgerKey(triggerOfferId),
  )
  const inFlightMessages = (await queueDepth(state.queueUrl)).inFlight
  const recent = soakOffers(system, state.settings.runId)
    .slice(-300)
    .map((o) => o.offer_state_id)
  const recorded = await inLedger(documents, system.aws.tables.ledger, recent)
  const issuedNotRecorded = recent.filter((id) => !recorded.has(offerLedgerKey(id))).length
  return { recordedAtKill, inFlightMessages, issuedNotRecorded }
}

/** Step 4: every message, 10 per batch, a few batches at a time. */
async function sendAll(state: SoakState): Promise<void> {
  const { bodies, settings } = state
  const sendLimit = pLimit(4)
  const batches: string[][] = []
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10))
  await Promise.all(
    batches.map((batch) =>
      sendLimit(async () => {
        const out = await state.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: state.queueUrl,
            Entries: batch.map((body, index) => ({ Id: String(index), MessageBody: body })),
          }),
        )
        if (out.Failed?.length) throw new Error(`SendMessageBatch failed for ${out.Failed.length} messages`)
      }),
    ),
  )
  settings.log(
    `  sent ${bodies.length} messages (${state.events.length} events, ${bodies.length - state.events.length} twice) in ${Math.round((Date.now() - settings.started) / 1000)} s`,
  )
}

/** A fingerprint of everything that moves while the soak makes progress. */
async function progressMark(
  state: SoakState,
): Promise<{ mark: string; total: number; visible: number; inFlight: number }> {
  const counts = await queueDepth(state.queueUrl)
  const dlq = await queueDepth(state.system.aws.queues.loyaltyEventsDlq)
  const calls = Object.values(state.system.sandbox.admin.counters()).reduce((a, b) => a + b, 0)
  return { mark: `${counts.visible}/${counts.inFlight}/${dlq.total}/${calls}`, ...counts }
}

/**
 * Step 5: wait until every message is acknowledged or dead-lettered (and no crash is being handled), or until
 * `stallRounds` poll rounds in a row saw no progress at all. No wall-clock bound: a slow machine only slows it.
 */
async function waitForDrain(state: SoakState): Promise<void> {
  const { crash, settings } = state
  let quietChecks = 0
  let lastMark = ''
  let lastLog = 0
  while (state.stallRounds < settings.stallRounds) {
    await sleep(POLL_MS)
    if (crash.inProgress) {
      await crash.inProgress
      state.stallRounds = 0
      continue
    }
    const { mark, total, visible, inFlight } = await progressMark(state)
    state.stallRounds = mark === lastMark ? state.stallRounds + 1 : 0
    lastMark = mark
    quietChecks = total === 0 ? quietChecks + 1 : 0
    if (quietChecks >= 3) {
      state.drained = true
      break
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now()
      settings.log(
        `  ${Math.round((Date.now() - settings.started) / 1000)} s: ${state.tally.issuedAnswers} issued, queue ${visible} visible / ${inFlight} in flight`,
      )
    }
  }
  if (!state.drained) settings.log(`  no progress for ${state.stallRounds} poll rounds: giving up`)
  crash.disarm()
  if (crash.reports.length < crash.wanted && state.drained) {
    settings.log(
      `  only ${crash.reports.length} of ${crash.wanted} crashes happened before the queue drained`,
    )
  }
}

type Verification = Pick<
  SoakReport,
  | 'offersInSandbox'
  | 'duplicates'
  | 'duplicateRefs'
  | 'lost'
  | 'lostEventIds'
  | 'validEventsParked'
  | 'unknownTypeAcknowledged'
  | 'dlqByReason'
  | 'offersNotInLedger'
  | 'offersWithoutIssuedEvent'
  | 'offerEventsReceived'
>

/** Step 6: account for every event, every offer in the sandbox and every dead letter. */
async function verify(state: SoakState): Promise<Verification> {
  const { system } = state
  const { dlqByReason, parkedWithReason } = accountDlq(
    await drainQueue(state.sqs, system.aws.queues.loyaltyEventsDlq),
  )
  const offers = soakOffers(system, state.settings.runId)
  const { byRef, duplicates, duplicateRefs } = countOffers(offers)
  const { lost, unknownTypeAcknowledged, validEventsParked } = accountEvents(
    state.events,
    parkedWithReason,
    byRef,
  )
  const recorded = await inLedger(
    state.documents,
    system.aws.tables.ledger,
    offers.map((o) => o.offer_state_id),
  )
  const offerEvents = await drainQueue(state.sqs, system.aws.queues.offerEvents)
  const issued = issuedEventIds(offerEvents)
  for (const crash of state.crash.reports) {
    const key = offerLedgerKey(crash.triggerOfferId)
    // Sparkfly's issue answer does not carry the external ref: the sandbox's own record of the offer does.
    const trigger = offers.find((offer) => offer.offer_state_id === crash.triggerOfferId)
    crash.triggerRef = String(trigger?.external_ref_id)
    crash.recoveredAfter =
      recorded.has(key) && issued.has(`offer.issued:${key}`) && byRef.get(crash.triggerRef) === 1
  }
  return {
    offersInSandbox: offers.length,
    duplicates,
    duplicateRefs,
    lost: lost.length,
    lostEventIds: lost.slice(0, 20),
    validEventsParked,
    unknownTypeAcknowledged,
    dlqByReason,
    offersNotInLedger: offers.filter((o) => !recorded.has(offerLedgerKey(o.offer_state_id))).length,
    offersWithoutIssuedEvent: offers.filter(
      (o) => !issued.has(`offer.issued:${offerLedgerKey(o.offer_state_id)}`),
    ).length,
    offerEventsReceived: offerEvents.length,
  }
}

/** Step 7: the report, from the verification and the tallies. */
function report(state: SoakState, verification: Verification): SoakReport {
  const { settings, events, bodies } = state
  const counters = state.system.sandbox.admin.counters()
  return {
    seed: settings.seed,
    eventsSent: events.length,
    messagesSent: bodies.length,
    duplicateDeliveries: bodies.length - events.length,
    mix: countMix(events),
    expectedOffers: state.expectedOffers,
    ...verification,
    crashes: state.crash.reports,
    invocationTimeouts: state.workerTally.invocationTimeouts,
    workerDeaths: state.workerDeaths,
    sparkflyCalls: Object.fromEntries(Object.entries(counters).filter(([, n]) => n > 0)),
    faultsInjected: state.tally.faultsInjected,
    tokensMinted: state.tally.tokensMinted,
    drained: state.drained,
    stallRoundsAtEnd: state.stallRounds,
    wallTimeMs: Date.now() - settings.started,
    settings: {
      functionTimeoutMs: settings.functionTimeoutMs,
      visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
      sparkflyTimeoutMs: settings.sparkflyTimeoutMs,
      maxConcurrency: settings.maxConcurrency ?? 'default',
      faults: settings.faults,
      lostAnswerRate: settings.lostAnswerRate,
      tokenExpiresEveryCalls: settings.tokenExpiresEveryCalls,
      duplicateRate: settings.duplicateRate,
    },
  }
}

/** Last step, always: stop the worker, the clients and the local system. */
async function teardown(state: SoakState): Promise<void> {
  state.stopping = true
  state.crash.disarm()
  if (state.worker) await stopWorker(state.worker)
  state.sqs.destroy()
  state.documents.destroy()
  await state.system.stop()
}

/** Runs the soak; resolves with the account of every event (never throws for a failed check). */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const settings = resolveSettings(options)
  const state = await setup(settings)
  try {
    state.worker = await startIssuanceWorker(state)
    settings.log(`soak ${settings.runId}: local system up, issuance worker pid ${state.worker.pid}`)
    plan(state)
    scheduleCrashes(state)
    await sendAll(state)
    await waitForDrain(state)
    return report(state, await verify(state))
  } finally {
    await teardown(state)
  }
}

/** The report as the table `npm run soak` prints. */
export function formatSoakReport(report: SoakReport): string {
  const n = (value: number) => value.toLocaleString('en-US')
  const row = (label: string, value: string, note = '') =>
    `  ${label.padEnd(34)}${value.padStart(10)}  ${note}`
  const dlq = Object.entries(report.dlqByReason).sort(([a], [b]) => a.localeCompare(b))
  const s = report.settings
  return [
    `Issuance soak (seed ${report.seed})`,
    `  faults: ${s.faults['500'] * 100}% 500, ${s.faults['429'] * 100}% 429 (Retry-After 1 s), ${s.faults.hang * 100}% hung; token expires every ${n(s.tokenExpiresEveryCalls)} calls; ${s.duplicateRate * 100}% delivered twice`,
    `  lost answers on issue: ${s.lostAnswerRate * 100}% each of apply-then-503, apply-then-reset, apply-then-hang`,
    `  timing: function timeout ${s.functionTimeoutMs} ms, visibility ${s.visibilityTimeoutSeconds} s, Sparkfly timeout ${s.sparkflyTimeoutMs} ms`,
    '',
    row(
      'events sent',
      n(report.eventsSent),
      `(${n(report.messagesSent)} messages, ${n(report.duplicateDeliveries)} second deliveries)`,
    ),
    row(
      '  of which',
      '',
      Object.entries(report.mix)
        .map(([kind, count]) => `${kind} ${n(count)}`)
        .join(', '),
    ),
    row('offers expected', n(report.expectedOffers)),
    row('offers in the sandbox', n(report.offersInSandbox)),
    row(
      'duplicates',
      n(report.duplicates),
      report.duplicates === 0 ? 'ok' : `FAIL ${report.duplicateRefs.join(' ')}`,
    ),
    row('lost', n(report.lost), report.lost === 0 ? 'ok' : `FAIL ${report.lostEventIds.join(' ')}`),
    row('valid events parked', n(report.validEventsParked), report.validEventsParked === 0 ? 'ok' : 'FAIL'),
    row('unknown types acknowledged', n(report.unknownTypeAcknowledged)),
    row('DLQ', n(dlq.reduce((sum, [, count]) => sum + count, 0))),
    ...dlq.map(([reason, count]) => row(`  ${reason}`, n(count))),
    row(
      'offers not in the ledger',
      n(report.offersNotInLedger),
      report.offersNotInLedger === 0 ? 'ok' : 'FAIL',
    ),
    row(
      'offers without offer.issued',
      n(report.offersWithoutIssuedEvent),
      report.offersWithoutIssuedEvent === 0 ? 'ok' : 'FAIL',
    ),
    row('crashes (SIGKILL mid-issue)', n(report.crashes.length)),
    ...report.crashes.map((crash, i) =>
      row(
        `  #${i + 1} ${crash.point} at issue ${n(crash.afterIssues)}`,
        crashVerdict(crash) ? 'ok' : 'FAIL',
        `offer ${crash.triggerOfferId} ${crash.recordedAtKill ? 'in' : 'not in'} the ledger at the kill, ${crash.recoveredAfter ? 'recovered' : 'NOT recovered'} after; ${crash.inFlightMessages} messages in flight`,
      ),
    ),
    row('invocations timed out', n(report.invocationTimeouts)),
    row('workers that died on their own', n(report.workerDeaths), report.workerDeaths === 0 ? 'ok' : 'FAIL'),
    row(
      'Sparkfly calls',
      n(Object.values(report.sparkflyCalls).reduce((a, b) => a + b, 0)),
      Object.entries(report.sparkflyCalls)
        .map(([op, count]) => `${op} ${n(count)}`)
        .join(', '),
    ),
    row(
      'faults injected',
      n(Object.values(report.faultsInjected).reduce((a, b) => a + b, 0)),
      Object.entries(report.faultsInjected)
        .map(([kind, count]) => `${kind} ${n(count)}`)
        .join(', '),
    ),
    row('tokens minted', n(report.tokensMinted)),
    row(
      'queue drained',
      report.drained ? 'yes' : 'NO',
      report.drained ? '' : `no progress for ${report.stallRoundsAtEnd} poll rounds`,
    ),
    row('wall time', `${(report.wallTimeMs / 1000).toFixed(1)} s`),
  ].join('\n')
}

/** A crash is as planned when its trigger offer was not recorded at the kill and was recovered after. */
const crashVerdict = (crash: CrashReport) => !crash.recordedAtKill && crash.recoveredAfter

/** True when the soak found no duplicate, no lost event, no inconsistency and every crash was recovered. */
export function soakPassed(report: SoakReport): boolean {
  return (
    report.drained &&
    report.workerDeaths === 0 &&
    report.crashes.every(crashVerdict) &&
    report.duplicates === 0 &&
    report.lost === 0 &&
    report.validEventsParked === 0 &&
    report.offersNotInLedger === 0 &&
    report.offersWithoutIssuedEvent === 0
  )
}
