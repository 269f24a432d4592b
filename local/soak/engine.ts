/**
 * The issuance soak: the whole local system under Sparkfly faults, duplicate deliveries and crashes of the issuance
 * process, then an account of every event sent. Used by `npm run soak` (scripts/soak.ts, 10,000 events by default)
 * and by test/integration/soak.test.ts (the CI-sized run).
 *
 * Design (what is real and what is scaled):
 * - `startLocalSystem` runs the sandbox, SQS, DynamoDB, Secrets Manager and every other function in this process.
 *   The `issueOffers` poller runs in a child process (`issuanceWorker.ts`, the real handler behind the same
 *   Lambda-like event source), so a crash is a real SIGKILL: nothing in that process gets to clean up.
 * - Crashes are triggered from the sandbox's request observer right after Sparkfly answered an `offerStates.issue`
 *   with 201, so the worker always dies between a Sparkfly call and its acknowledgement. Right after each kill the
 *   soak counts the offers Sparkfly holds that the ledger does not (yet): the proof that the kill landed in that
 *   window. A new worker starts, like a new Lambda container.
 * - Time is scaled down 5x from serverless.yml (function timeout 30 s -> 6 s, Sparkfly timeout 5 s -> 1 s,
 *   visibility 180 s -> 15 s) so a run takes minutes. The ratios that matter are kept: the visibility timeout
 *   exceeds the issuance claim lease (function timeout + 5 s), as 180 s exceeds 35 s in AWS.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { resolve } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import pLimit from 'p-limit'
import { externalRefId } from '../../lib/issuance'
import { loadRules, rulesFor } from '../../lib/issuance/rules'
import { ledgerKey } from '../../lib/ledger/Ledger'
import { OfferKind } from '../../lib/ledger/types'
import { LOCAL_CREDENTIALS } from '../aws'
import { queueDepth } from '../aws/queues'
import { seededRandom } from '../sandbox/faults'
import { type LocalSystem, startLocalSystem } from '../system'

export interface SoakOptions {
  /** Loyalty events to send (default 10,000). */
  events?: number
  /** Times the issuance process is killed mid-batch (default 1 + one per 4,000 events). */
  crashes?: number
  /** Share of events delivered twice (default 0.1). */
  duplicateRate?: number
  /** Sandbox fault rates per Sparkfly call (default 5% 500, 5% 429 with Retry-After 1 s, 1% hung). */
  faults?: { '500'?: number; '429'?: number; hang?: number }
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
  /** Give up waiting for the queue to drain after this long (default 20 min). */
  timeoutMs?: number
  rootDir?: string
  /** Progress lines (default: none). */
  log?: (line: string) => void
}

export interface CrashReport {
  /** `offerStates.issue` answers (201) seen when the worker was killed. */
  afterIssues: number
  /** Loyalty-events messages in flight (received, not acknowledged) right after the kill. */
  inFlightMessages: number
  /** Offers Sparkfly had issued that the ledger did not hold when the worker died (the crash window). */
  issuedNotRecorded: number
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
  /** (event, rule) references with more than one offer, first 20. */
  duplicateRefs: string[]
  sparkflyCalls: Record<string, number>
  faultsInjected: Record<string, number>
  tokensMinted: number
  drained: boolean
  wallTimeMs: number
  settings: {
    functionTimeoutMs: number
    visibilityTimeoutSeconds: number
    sparkflyTimeoutMs: number
    maxConcurrency: number | 'default'
    faults: Required<NonNullable<SoakOptions['faults']>>
    tokenExpiresEveryCalls: number
    duplicateRate: number
  }
}

export const EventKind = {
  tierUpgrade: 'tier_upgrade',
  birthday: 'birthday',
  unknownType: 'unknown_type',
  malformed: 'malformed_json',
  unknownMember: 'unknown_member',
} as const
export type EventKind = (typeof EventKind)[keyof typeof EventKind]

/** Share of each kind in the mix (cumulative order matters only for the roll). */
const MIX: ReadonlyArray<readonly [EventKind, number]> = [
  [EventKind.unknownType, 0.03],
  [EventKind.malformed, 0.01],
  [EventKind.unknownMember, 0.01],
  [EventKind.birthday, 0.2],
  [EventKind.tierUpgrade, 0.75],
]

const TYPES: Record<EventKind, string> = {
  tier_upgrade: 'loyalty.tier.upgraded',
  birthday: 'loyalty.member.birthday',
  unknown_type: 'loyalty.points.earned',
  malformed_json: 'loyalty.tier.upgraded',
  unknown_member: 'loyalty.tier.upgraded',
}

/** What each kind must end as. */
const EXPECTED_DLQ_REASON: Partial<Record<EventKind, string>> = {
  malformed_json: 'malformed_json',
  unknown_member: 'sparkfly_404',
}

const UNKNOWN_MEMBER_ID = 987_654_321
const EVENT_SOURCE = 'urn:loyalty:soak'
/** The worker, relative to the project root. */
const WORKER = 'local/soak/issuanceWorker.ts'

interface PlannedEvent {
  id: string
  kind: EventKind
  body: string
  refs: string[]
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms))

/** Builds the events: a deterministic mix of envelopes, members and kinds. */
function planEvents(count: number, runId: string, random: () => number, system: LocalSystem): PlannedEvent[] {
  const rules = loadRules('local')
  const members = system.sandbox.fixtures.members
  const events: PlannedEvent[] = []
  for (let i = 0; i < count; i += 1) {
    const roll = random()
    let edge = 0
    let kind: EventKind = EventKind.tierUpgrade
    for (const [candidate, share] of MIX) {
      edge += share
      if (roll < edge) {
        kind = candidate
        break
      }
    }
    const id = `soak-${runId}-${i}`
    const type = TYPES[kind]
    const known = members[i % members.length] as { id: number; identifier: string }
    const member =
      kind === EventKind.unknownMember
        ? { id: UNKNOWN_MEMBER_ID }
        : i % 3 === 0
          ? { identifier: known.identifier }
          : { id: known.id }
    const time = new Date().toISOString()
    let body: string
    if (kind === EventKind.malformed) {
      body = `{"specversion":"1.0","id":"${id}","source":"${EVENT_SOURCE}","type":"${type}","data":{"member":`
    } else if (i % 4 === 1) {
      body = JSON.stringify({
        version: '0',
        id,
        source: EVENT_SOURCE,
        'detail-type': type,
        time,
        detail: { member },
      })
    } else {
      body = JSON.stringify({ specversion: '1.0', id, source: EVENT_SOURCE, type, time, data: { member } })
    }
    const refs =
      kind === EventKind.malformed || kind === EventKind.unknownMember
        ? []
        : rulesFor(rules, type).map((rule) => externalRefId({ id }, rule))
    events.push({ id, kind, body, refs })
  }
  return events
}

/** Message bodies in send order: each event once, some twice (the copy a little later, sometimes right after). */
function deliveries(events: PlannedEvent[], duplicateRate: number, random: () => number): string[] {
  const out: string[] = events.map((event) => event.body)
  for (let i = events.length - 1; i >= 0; i -= 1) {
    if (random() >= duplicateRate) continue
    const gap = random() < 0.3 ? 1 : 1 + Math.floor(random() * 200)
    out.splice(Math.min(out.length, i + gap), 0, (events[i] as PlannedEvent).body)
  }
  return out
}

/** Runs the soak; resolves with the account of every event (never throws for a failed check). */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const started = Date.now()
  const log = options.log ?? (() => undefined)
  const eventCount = options.events ?? 10_000
  const crashesWanted = options.crashes ?? 1 + Math.floor(eventCount / 4_000)
  const duplicateRate = options.duplicateRate ?? 0.1
  const faults = { '500': 0.05, '429': 0.05, hang: 0.01, ...options.faults }
  const tokenExpiresEveryCalls = options.tokenExpiresEveryCalls ?? 1_000
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const functionTimeoutMs = options.functionTimeoutMs ?? 6_000
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 15
  const sparkflyTimeoutMs = options.sparkflyTimeoutMs ?? 1_000
  const rootDir = resolve(options.rootDir ?? process.cwd())
  const random = seededRandom(seed)
  const runId = seed.toString(36)

  const faultsInjected: Record<string, number> = {}
  let issuedAnswers = 0
  let tokensMinted = 0
  let crashAt = Number.POSITIVE_INFINITY
  let onCrashPoint: (() => void) | undefined

  const system = await startLocalSystem({
    rootDir,
    importModule: (path) => import(path),
    externalEventSources: ['issueOffers'],
    disableSchedules: true,
    endpointsFile: null,
    visibilityTimeoutSeconds,
    env: {
      SPARKFLY_TIMEOUT_MS: String(sparkflyTimeoutMs),
      SPARKFLY_MAX_RETRIES: '2',
      EVENT_SOURCE: 'urn:sparkfly-offer-lifecycle:soak',
    },
    sandbox: {
      faults: {
        rates: { '500': faults['500'], '429': faults['429'], hang: faults.hang },
        retryAfterSeconds: 1,
        seed,
        tokenExpiresEveryCalls,
      },
      onRequest: (entry) => {
        if (entry.fault) faultsInjected[String(entry.fault)] = (faultsInjected[String(entry.fault)] ?? 0) + 1
        if (entry.operation === 'auth' && entry.status === 204) tokensMinted += 1
        if (entry.operation === 'offerStates.issue' && entry.status === 201) {
          issuedAnswers += 1
          if (issuedAnswers >= crashAt) onCrashPoint?.()
        }
      },
    },
  })

  const sqs = new SQSClient({
    region: system.aws.region,
    endpoint: system.aws.endpoints.sqs,
    credentials: LOCAL_CREDENTIALS,
  })
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: system.aws.region,
      endpoint: system.aws.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
    }),
  )
  const queueUrl = system.aws.queues.loyaltyEvents
  const workerOutput: string[] = []
  let invocationTimeouts = 0

  // The issuance "container" --------------------------------------------------------------------------------------
  let worker: ChildProcess | undefined
  const startWorker = async (): Promise<ChildProcess> => {
    const child = fork(resolve(rootDir, WORKER), [], {
      cwd: rootDir,
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...(system.endpoints.env as Record<string, string>),
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        SOAK_ROOT_DIR: rootDir,
        SOAK_QUEUE_URL: queueUrl,
        SOAK_FUNCTION_TIMEOUT_MS: String(functionTimeoutMs),
        ...(options.maxConcurrency ? { SOAK_MAX_CONCURRENCY: String(options.maxConcurrency) } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const keep = (chunk: Buffer) => {
      workerOutput.push(chunk.toString())
      if (workerOutput.length > 50) workerOutput.shift()
    }
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'timeout') invocationTimeouts += 1
    })
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error('issuance worker did not start within 30 s')), 30_000)
      child.once('message', () => {
        clearTimeout(timer)
        ready()
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        fail(new Error(`issuance worker exited with ${code}: ${workerOutput.join('').slice(-2000)}`))
      })
    })
    return child
  }
  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((done) => child.once('exit', () => done()))

  const queueCounts = queueDepth

  /** Offer states of this soak in the sandbox. */
  const soakOffers = () =>
    system.sandbox.admin.offerStates().filter((o) => o.external_ref_id?.includes(runId))

  /** Which of these offer states the ledger holds. */
  const inLedger = async (ids: number[]): Promise<Set<string>> => {
    const found = new Set<string>()
    const limit = pLimit(4)
    const chunks: number[][] = []
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100))
    await Promise.all(
      chunks.map((chunk) =>
        limit(async () => {
          let keys: Record<string, unknown>[] | undefined = chunk.map((id) => ({
            pk: ledgerKey.offer(OfferKind.offerState, String(id)),
          }))
          while (keys && keys.length > 0) {
            const out = await documents.send(
              new BatchGetCommand({
                RequestItems: {
                  [system.aws.tables.ledger]: {
                    Keys: keys,
                    ProjectionExpression: 'pk',
                    ConsistentRead: true,
                  },
                },
              }),
            )
            for (const item of out.Responses?.[system.aws.tables.ledger] ?? []) found.add(String(item.pk))
            keys = out.UnprocessedKeys?.[system.aws.tables.ledger]?.Keys as
              | Record<string, unknown>[]
              | undefined
          }
        }),
      ),
    )
    return found
  }

  const crashes: CrashReport[] = []
  let lost: string[] = []

  try {
    worker = await startWorker()
    log(`soak ${runId}: local system up, issuance worker pid ${worker.pid}`)

    const events = planEvents(eventCount, runId, random, system)
    const bodies = deliveries(events, duplicateRate, random)
    const expectedOffers = events.reduce((sum, event) => sum + event.refs.length, 0)

    // Crash points spread over the run, by Sparkfly issue answers.
    const crashPoints = Array.from({ length: crashesWanted }, (_, k) =>
      Math.max(5, Math.floor((expectedOffers * (k + 1)) / (crashesWanted + 1))),
    )
    let crashing: Promise<void> | undefined
    const crashNow = () => {
      if (crashing || !worker) return
      const victim = worker
      const afterIssues = issuedAnswers
      victim.kill('SIGKILL')
      crashAt = crashPoints[crashes.length + 1] ?? Number.POSITIVE_INFINITY
      crashing = (async () => {
        await exited(victim)
        // DynamoDB writes the worker had already sent may still land; then look at what it left behind.
        await sleep(300)
        const inFlightMessages = (await queueCounts(queueUrl)).inFlight
        const recent = soakOffers()
          .slice(-300)
          .map((o) => o.offer_state_id)
        const recorded = await inLedger(recent)
        const issuedNotRecorded = recent.filter(
          (id) => !recorded.has(ledgerKey.offer(OfferKind.offerState, String(id))),
        ).length
        crashes.push({ afterIssues, inFlightMessages, issuedNotRecorded })
        log(
          `  crash ${crashes.length}: SIGKILL after ${afterIssues} issues; ${inFlightMessages} messages in flight, ${issuedNotRecorded} offers issued but not yet in the ledger`,
        )
        worker = await startWorker()
        crashing = undefined
      })()
    }
    crashAt = crashPoints[0] ?? Number.POSITIVE_INFINITY
    onCrashPoint = crashNow

    // Send everything, 10 per batch, a few batches at a time.
    const sendLimit = pLimit(4)
    const batches: string[][] = []
    for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10))
    await Promise.all(
      batches.map((batch) =>
        sendLimit(async () => {
          const out = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch.map((body, index) => ({ Id: String(index), MessageBody: body })),
            }),
          )
          if (out.Failed?.length) throw new Error(`SendMessageBatch failed for ${out.Failed.length} messages`)
        }),
      ),
    )
    log(
      `  sent ${bodies.length} messages (${events.length} events, ${bodies.length - events.length} twice) in ${Math.round((Date.now() - started) / 1000)} s`,
    )

    // Wait until every message is acknowledged or dead-lettered (and every planned crash happened).
    const deadline = started + (options.timeoutMs ?? 20 * 60_000)
    let drained = false
    let quietChecks = 0
    let lastProgress = 0
    while (Date.now() < deadline) {
      await sleep(500)
      if (crashing) {
        await crashing
        continue
      }
      const counts = await queueCounts(queueUrl)
      quietChecks = counts.total === 0 ? quietChecks + 1 : 0
      if (quietChecks >= 3) {
        drained = true
        break
      }
      if (Date.now() - lastProgress > 10_000) {
        lastProgress = Date.now()
        log(
          `  ${Math.round((Date.now() - started) / 1000)} s: ${issuedAnswers} issued, queue ${counts.visible} visible / ${counts.inFlight} in flight`,
        )
      }
    }
    onCrashPoint = undefined
    if (crashes.length < crashesWanted && drained) {
      log(`  only ${crashes.length} of ${crashesWanted} crashes happened before the queue drained`)
    }

    // Account for every event --------------------------------------------------------------------------------
    const dlq = await drain(sqs, system.aws.queues.loyaltyEventsDlq)
    const dlqByReason: Record<string, number> = {}
    const parkedWithReason = new Map<string, string>()
    for (const message of dlq) {
      const reason = message.reason ?? 'redrive (no reason: maxReceiveCount exceeded)'
      dlqByReason[reason] = (dlqByReason[reason] ?? 0) + 1
      const id = /"id"\s*:\s*"([^"]+)"/.exec(message.body)?.[1]
      if (id && message.reason) parkedWithReason.set(id, message.reason)
    }

    const offers = soakOffers()
    const byRef = new Map<string, number>()
    for (const offer of offers) {
      const ref = String(offer.external_ref_id)
      byRef.set(ref, (byRef.get(ref) ?? 0) + 1)
    }
    let duplicates = 0
    const duplicateRefs: string[] = []
    for (const [ref, count] of byRef) {
      duplicates += Math.max(0, count - 1)
      if (count > 1 && duplicateRefs.length < 20) duplicateRefs.push(ref)
    }

    let unknownTypeAcknowledged = 0
    let validEventsParked = 0
    lost = []
    for (const event of events) {
      const parked = parkedWithReason.get(event.id)
      const expectedReason = EXPECTED_DLQ_REASON[event.kind]
      if (expectedReason) {
        if (parked !== expectedReason) lost.push(event.id)
        continue
      }
      if (event.refs.length === 0) {
        if (parked) lost.push(event.id)
        else unknownTypeAcknowledged += 1
        continue
      }
      const issued = event.refs.every((ref) => (byRef.get(ref) ?? 0) >= 1)
      if (issued) continue
      if (parked) validEventsParked += 1
      else lost.push(event.id)
    }

    const recorded = await inLedger(offers.map((o) => o.offer_state_id))
    const offersNotInLedger = offers.filter(
      (o) => !recorded.has(ledgerKey.offer(OfferKind.offerState, String(o.offer_state_id))),
    ).length

    const offerEvents = await drain(sqs, system.aws.queues.offerEvents)
    const issuedEventIds = new Set<string>()
    for (const message of offerEvents) {
      const id = /"id"\s*:\s*"(offer\.issued:[^"]+)"/.exec(message.body)?.[1]
      if (id) issuedEventIds.add(id)
    }
    const offersWithoutIssuedEvent = offers.filter(
      (o) =>
        !issuedEventIds.has(
          `offer.issued:${ledgerKey.offer(OfferKind.offerState, String(o.offer_state_id))}`,
        ),
    ).length

    const counters = system.sandbox.admin.counters()
    const sparkflyCalls = Object.fromEntries(Object.entries(counters).filter(([, n]) => n > 0))
    const mix = Object.fromEntries(Object.values(EventKind).map((kind) => [kind, 0])) as Record<
      EventKind,
      number
    >
    for (const event of events) mix[event.kind] += 1

    return {
      seed,
      eventsSent: events.length,
      messagesSent: bodies.length,
      duplicateDeliveries: bodies.length - events.length,
      mix,
      expectedOffers,
      offersInSandbox: offers.length,
      duplicates,
      lost: lost.length,
      lostEventIds: lost.slice(0, 20),
      validEventsParked,
      unknownTypeAcknowledged,
      dlqByReason,
      offersNotInLedger,
      offersWithoutIssuedEvent,
      offerEventsReceived: offerEvents.length,
      crashes,
      invocationTimeouts,
      duplicateRefs,
      sparkflyCalls,
      faultsInjected,
      tokensMinted,
      drained,
      wallTimeMs: Date.now() - started,
      settings: {
        functionTimeoutMs,
        visibilityTimeoutSeconds,
        sparkflyTimeoutMs,
        maxConcurrency: options.maxConcurrency ?? 'default',
        faults,
        tokenExpiresEveryCalls,
        duplicateRate,
      },
    }
  } finally {
    onCrashPoint = undefined
    if (worker) {
      const last = worker
      last.kill('SIGTERM')
      await Promise.race([exited(last), sleep(5_000)])
      if (last.exitCode === null && last.signalCode === null) last.kill('SIGKILL')
    }
    sqs.destroy()
    documents.destroy()
    await system.stop()
  }
}

interface DrainedMessage {
  body: string
  reason?: string
}

/** Receives and deletes everything on a queue. */
async function drain(sqs: SQSClient, queueUrl: string): Promise<DrainedMessage[]> {
  const out: DrainedMessage[] = []
  let empty = 0
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    )
    if (Messages.length === 0) {
      empty += 1
      continue
    }
    empty = 0
    for (const message of Messages) {
      const reason = message.MessageAttributes?.['failure-reason']?.StringValue
      out.push({ body: message.Body ?? '', ...(reason ? { reason } : {}) })
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    )
  }
  return out
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
    row('crashes (SIGKILL mid-batch)', n(report.crashes.length)),
    ...report.crashes.map((crash, i) =>
      row(
        `  #${i + 1} after ${n(crash.afterIssues)} issues`,
        '',
        `${crash.inFlightMessages} messages in flight, ${crash.issuedNotRecorded} issued in Sparkfly but not yet in the ledger`,
      ),
    ),
    row('invocations timed out', n(report.invocationTimeouts)),
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
    row('queue drained', report.drained ? 'yes' : 'NO'),
    row('wall time', `${(report.wallTimeMs / 1000).toFixed(1)} s`),
  ].join('\n')
}

/** True when the soak found no duplicate, no lost event and no inconsistency. */
export function soakPassed(report: SoakReport): boolean {
  return (
    report.drained &&
    report.duplicates === 0 &&
    report.lost === 0 &&
    report.validEventsParked === 0 &&
    report.offersNotInLedger === 0 &&
    report.offersWithoutIssuedEvent === 0
  )
}
