import pLimit from 'p-limit'
import { buildOfferEvent, type OfferEventPublisher, OfferEventType } from '../events/outbound'
import { LedgerConflictError } from '../ledger/errors'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import { type LedgerEntry, LedgerStatus, OfferKind } from '../ledger/types'
import { logger as serviceLogger } from '../observability'
import type { SweepCheckpoint, SweepCheckpointStore } from './checkpoints'
import {
  type ExpiryGateway,
  type GatewayCallOptions,
  SparkflyOfferStatus,
  type SparkflyOfferView,
  VoidResult,
} from './gateway'
import {
  type SweepAction,
  type SweepCounts,
  SweepFailureReason,
  SweepOutcome,
  type SweepProgress,
  SweepSkipReason,
  SweepStatus,
  type SweepSummary,
} from './types'

/** The ledger operations the sweep uses (a `Ledger` satisfies it). */
export type SweepLedger = Pick<
  Ledger,
  'shards' | 'dueForSweep' | 'get' | 'transition' | 'claim' | 'completeClaim' | 'releaseClaim'
>

/** The logging surface the sweep uses (the Powertools logger satisfies it). */
export interface SweepLogger {
  info(message: string, attributes?: Record<string, unknown>): void
  warn(message: string, attributes?: Record<string, unknown>): void
  error(message: string, attributes?: Record<string, unknown>): void
}

/** What one run does. */
export interface SweepOptions {
  /** Identifies the run: lease owner, `changedBy: sweep:<runId>` in the ledger and events. */
  runId: string
  /** The time validity is judged by (real time, except on the local stage where the sandbox clock may be used). */
  now: Date
  /** Report what would happen; write nothing (no lease, no claim, no void, no ledger change, no event). */
  dryRun?: boolean
  /** Credentials issued this many days before `now` or earlier are expired. */
  credentialMaxAgeDays: number
  /** Stop starting work when less than this is left of the Lambda time. */
  timeMarginMs: number
  /** Offers read per ledger page. */
  pageSize: number
  /** Offers handled at the same time (each makes up to two Sparkfly calls). */
  concurrency: number
  /** Stop the run after this many failures in a row (a Sparkfly outage). Default 10. */
  maxConsecutiveFailures?: number
  /** Count the offers left due up to this many (default 5000). */
  remainingCountLimit?: number
}

/** The sweep's adapters. */
export interface SweepDeps {
  ledger: SweepLedger
  gateway: ExpiryGateway
  publisher: OfferEventPublisher
  checkpoints: SweepCheckpointStore
  /** CloudEvents `source` of the events published. */
  eventSource: string
  /** Time left before the Lambda time limit (`context.getRemainingTimeInMillis`). */
  remainingTimeMs: () => number
  /** Wall clock for leases and durations (default: real time). Independent of `options.now`. */
  clock?: () => Date
  /** Waits (429 back-off); default setTimeout. */
  sleep?: (ms: number) => Promise<void>
  /** Called after every offer handled. */
  onProgress?: (progress: SweepProgress) => void
  logger?: SweepLogger
}

/** Defaults and fixed values of the sweep. */
export const SWEEP_DEFAULTS = {
  maxConsecutiveFailures: 10,
  remainingCountLimit: 5_000,
  remainingCountPageSize: 1_000,
  /** The run lease outlives the run's remaining time by this much (a crashed run's lease then lapses). */
  runLeaseSlackMs: 30_000,
  /** Offer claims outlive the run lease, so an overlapping run never takes an offer that is in flight. */
  claimLeaseSlackMs: 60_000,
  /** Sparkfly calls are aborted this close to the time limit at the latest. */
  maxHardMarginMs: 5_000,
  /** Back-off after a 429 without Retry-After. */
  rateLimitPauseMs: 1_000,
  maxActionsListed: 200,
} as const

/** Reasons recorded on the ledger and in the events. */
export const SweepReason = {
  /** Offers the sweep expires (`voidReason` in the ledger, `data.reason` of `offer.expired`). */
  expired: 'expired',
  /** Offers found voided in Sparkfly by someone other than the project. */
  voidedInSparkfly: 'voided_in_sparkfly',
} as const

/** The run lease: one real run at a time. */
export const SWEEP_LEASE_KEY = ledgerKey.lease('sweep')

/** The per-offer claim taken before the Sparkfly void. */
export const sweepClaimKey = (pk: string) => ledgerKey.claim(`sweep:${pk}`)

const DAY_MS = 86_400_000

const defaultLogger: SweepLogger = {
  info: (message, attributes = {}) => serviceLogger.info(message, attributes),
  warn: (message, attributes = {}) => serviceLogger.warn(message, attributes),
  error: (message, attributes = {}) => serviceLogger.error(message, attributes),
}
const MAX_TIMER_MS = 2_147_483_647

/**
 * The cutoffs of a sweep at `now`: offer states whose `expiresAt` is at or before `now`, credentials issued at or
 * before `now - credentialMaxAgeDays`.
 */
export function sweepCutoffs(now: Date, credentialMaxAgeDays: number): Record<OfferKind, string> {
  return {
    [OfferKind.offerState]: now.toISOString(),
    [OfferKind.credential]: new Date(now.getTime() - credentialMaxAgeDays * DAY_MS).toISOString(),
  }
}

const emptyCounts = (): SweepCounts => ({
  found: 0,
  voided: 0,
  alreadyRedeemed: 0,
  alreadyVoided: 0,
  notFound: 0,
  expired: 0,
  skipped: { busy: 0, stale: 0, conflict: 0 },
  failed: 0,
  failures: { rate_limited: 0, sparkfly_unavailable: 0, sparkfly_rejected: 0, aborted: 0, internal: 0 },
})

interface ErrorLike {
  name?: string
  message?: string
  retryable?: boolean
  retryAfterMs?: number
  status?: number
}

function failureReason(error: unknown): SweepFailureReason {
  const e = (error ?? {}) as ErrorLike
  if (e.name === 'SparkflyRateLimitError') return SweepFailureReason.rateLimited
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return SweepFailureReason.aborted
  if (typeof e.name === 'string' && e.name.startsWith('Sparkfly')) {
    return e.retryable ? SweepFailureReason.sparkflyUnavailable : SweepFailureReason.sparkflyRejected
  }
  return SweepFailureReason.internal
}

type Partition = { kind: OfferKind; shard: number }

/** How each outcome is written: the ledger state, the event, the reason. */
const RECORDING = {
  [SweepOutcome.voided]: {
    to: LedgerStatus.expired,
    type: OfferEventType.expired,
    reason: SweepReason.expired,
  },
  [SweepOutcome.notFound]: {
    to: LedgerStatus.expired,
    type: OfferEventType.expired,
    reason: SweepReason.expired,
  },
  [SweepOutcome.alreadyRedeemed]: {
    to: LedgerStatus.redeemed,
    type: OfferEventType.redeemed,
    reason: undefined,
  },
  [SweepOutcome.alreadyVoided]: {
    to: LedgerStatus.voided,
    type: OfferEventType.voided,
    reason: SweepReason.voidedInSparkfly,
  },
} as const

const TIME_FIELD = { expired: 'expiredAt', redeemed: 'redeemedAt', voided: 'voidedAt' } as const

/**
 * Finds the offers whose validity has ended (through the ledger's sparse `bySweep` index only) and, for each:
 * voids it in Sparkfly when Sparkfly still holds it as redeemable, marks it expired in the ledger and publishes
 * `offer.expired`; offers Sparkfly already redeemed or voided are brought in line in the ledger (with
 * `offer.redeemed` / `offer.voided`), never voided.
 *
 * Safe to overlap and to rerun:
 * - a run lease (`lease#sweep`) lets one real run work at a time; a second one returns `status: 'busy'`;
 * - each offer is claimed (`claim#sweep:<pk>`) before Sparkfly is called, and its ledger entry is re-read
 *   (strongly consistent) so nothing already changed is touched;
 * - after a crash between the Sparkfly void and the ledger write, the next run's claim sees the earlier attempt,
 *   Sparkfly answers "voided", and the offer is only marked expired: nothing is voided twice;
 * - the event is published before the ledger write, so a crash loses no event (ids are deterministic, a replay
 *   carries the same id).
 *
 * Stops starting work `timeMarginMs` before the time limit, or after `maxConsecutiveFailures` failures in a row,
 * leaving the rest due (processed offers leave the index, so the next run simply continues) and a checkpoint.
 *
 * @example
 * const summary = await runSweep(
 *   { runId: context.awsRequestId, now: new Date(), credentialMaxAgeDays: 90, timeMarginMs: 15_000, pageSize: 100, concurrency: 10 },
 *   { ledger, gateway: sparkflyExpiryGateway(client), publisher, checkpoints, eventSource, remainingTimeMs: () => context.getRemainingTimeInMillis() },
 * )
 */
export async function runSweep(options: SweepOptions, deps: SweepDeps): Promise<SweepSummary> {
  const clock = deps.clock ?? (() => new Date())
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const log: SweepLogger = deps.logger ?? defaultLogger
  const dryRun = options.dryRun === true
  const maxConsecutiveFailures = options.maxConsecutiveFailures ?? SWEEP_DEFAULTS.maxConsecutiveFailures
  const owner = `sweep:${options.runId}`
  const nowIso = options.now.toISOString()
  const cutoffs = sweepCutoffs(options.now, options.credentialMaxAgeDays)
  const startedAt = clock()
  const counts = emptyCounts()
  const actions: SweepAction[] = []
  const hardMarginMs = Math.min(Math.floor(options.timeMarginMs / 3), SWEEP_DEFAULTS.maxHardMarginMs)

  let stopReason: SweepStatus | undefined
  let consecutiveFailures = 0
  let pauseUntil = 0
  let current: Partition = { kind: OfferKind.offerState, shard: 0 }

  const summarize = (status: SweepStatus, extra: Partial<SweepSummary> = {}): SweepSummary => {
    const finishedAt = clock()
    return {
      runId: options.runId,
      dryRun,
      status,
      now: nowIso,
      cutoffs,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      ...counts,
      skipped: { ...counts.skipped },
      failures: { ...counts.failures },
      remaining: 0,
      remainingCapped: false,
      ...extra,
    }
  }

  if (!dryRun) {
    const lease = await deps.ledger.claim(
      SWEEP_LEASE_KEY,
      owner,
      deps.remainingTimeMs() + SWEEP_DEFAULTS.runLeaseSlackMs,
      clock(),
    )
    if (lease.status !== 'acquired') {
      log.info('Another sweep run holds the lease; nothing to do', {
        leaseUntil: lease.status === 'busy' ? lease.leaseUntil : undefined,
      })
      return summarize(SweepStatus.busy)
    }
  }

  const timeUp = () => deps.remainingTimeMs() <= options.timeMarginMs
  const shouldStop = () => {
    if (stopReason) return true
    if (timeUp()) stopReason = SweepStatus.stoppedForTime
    return stopReason !== undefined
  }
  const callOptions = (): GatewayCallOptions => ({
    signal: AbortSignal.timeout(
      Math.floor(Math.min(MAX_TIMER_MS, Math.max(1, deps.remainingTimeMs() - hardMarginMs))),
    ),
  })
  const progress = () => deps.onProgress?.({ ...counts, partition: { ...current } })

  const count = (outcome: SweepOutcome) => {
    counts[outcome] += 1
    if (outcome === SweepOutcome.voided || outcome === SweepOutcome.notFound) counts.expired += 1
  }
  const skip = (reason: SweepSkipReason) => {
    counts.skipped[reason] += 1
  }
  const fail = (entry: LedgerEntry, error: unknown) => {
    const reason = failureReason(error)
    counts.failed += 1
    counts.failures[reason] += 1
    consecutiveFailures += 1
    if (reason === SweepFailureReason.rateLimited) {
      const waitMs = (error as ErrorLike).retryAfterMs ?? SWEEP_DEFAULTS.rateLimitPauseMs
      pauseUntil = Math.max(pauseUntil, clock().getTime() + waitMs)
    }
    log.warn('Sweep could not handle an offer; it stays due for the next run', {
      offer: entry.pk,
      reason,
      error: { name: (error as ErrorLike)?.name, message: (error as ErrorLike)?.message },
    })
    if (consecutiveFailures >= maxConsecutiveFailures && !stopReason) {
      stopReason = SweepStatus.stoppedForFailures
      log.error('Sweep stopped after consecutive failures (Sparkfly unavailable?)', { consecutiveFailures })
    }
  }

  /** Waits out a 429 back-off, but never past the time margin. */
  const rateGate = async () => {
    const waitMs = pauseUntil - clock().getTime()
    if (waitMs <= 0) return
    await sleep(Math.max(0, Math.min(waitMs, deps.remainingTimeMs() - options.timeMarginMs)))
  }

  const outcomeOf = (view: SparkflyOfferView, ourEarlierAttempt: boolean): SweepOutcome => {
    switch (view.status) {
      case SparkflyOfferStatus.redeemed:
        return SweepOutcome.alreadyRedeemed
      case SparkflyOfferStatus.voided:
        // Voided by our own earlier attempt that died before the ledger write: finish its work.
        return ourEarlierAttempt ? SweepOutcome.voided : SweepOutcome.alreadyVoided
      case SparkflyOfferStatus.notFound:
        return SweepOutcome.notFound
      default:
        return SweepOutcome.voided
    }
  }

  /** Publishes the event, then writes the ledger. False when another writer changed the offer meanwhile. */
  const record = async (
    entry: LedgerEntry,
    outcome: SweepOutcome,
    view: SparkflyOfferView,
  ): Promise<boolean> => {
    const { to, type, reason } = RECORDING[outcome]
    const at = to === LedgerStatus.expired ? nowIso : (view.at ?? nowIso)
    const projected: LedgerEntry = {
      ...entry,
      status: to,
      updatedAt: at,
      [TIME_FIELD[to]]: at,
      changedBy: owner,
      ...(reason ? { voidReason: reason } : {}),
    }
    await deps.publisher.publish(
      buildOfferEvent(type, projected, deps.eventSource, {
        changedBy: owner,
        occurredAt: at,
        ...(reason ? { reason } : {}),
      }),
    )
    try {
      await deps.ledger.transition(entry.kind, entry.id, to, {
        at,
        changedBy: owner,
        ...(reason ? { reason } : {}),
      })
      return true
    } catch (error) {
      if (!(error instanceof LedgerConflictError)) throw error
      log.error(
        'The ledger changed while the sweep handled an offer; its event may disagree with the ledger',
        {
          offer: entry.pk,
          published: type,
          ledgerStatus: error.current?.status,
        },
      )
      return false
    }
  }

  const plan = async (entry: LedgerEntry) => {
    try {
      const view = await deps.gateway.look(entry, callOptions())
      const outcome = outcomeOf(view, false)
      count(outcome)
      consecutiveFailures = 0
      if (actions.length < SWEEP_DEFAULTS.maxActionsListed) {
        actions.push({
          kind: entry.kind,
          id: entry.id,
          outcome,
          ...(entry.memberId ? { memberId: entry.memberId } : {}),
          ...(entry.sweepAt ? { dueAt: entry.sweepAt } : {}),
        })
      }
    } catch (error) {
      fail(entry, error)
    }
  }

  const sweepOne = async (entry: LedgerEntry) => {
    const key = sweepClaimKey(entry.pk)
    let claim: Awaited<ReturnType<SweepLedger['claim']>>
    try {
      claim = await deps.ledger.claim(
        key,
        owner,
        deps.remainingTimeMs() + SWEEP_DEFAULTS.claimLeaseSlackMs,
        clock(),
      )
    } catch (error) {
      fail(entry, error)
      return
    }
    if (claim.status === 'busy') return skip(SweepSkipReason.busy)
    if (claim.status === 'done') return skip(SweepSkipReason.stale)
    // An earlier attempt that died while holding the claim ('pending') may have voided, whatever an older release
    // recorded; one that released the claim said whether its void may have reached Sparkfly.
    const ourEarlierAttempt =
      claim.attempt > 1 &&
      (claim.previous?.state === 'pending' || claim.previous?.mayHaveReachedSparkfly !== false)
    // Carried into this attempt's release, so the next one still knows an earlier void may be ours.
    let voidMayHaveHappened = ourEarlierAttempt
    try {
      const latest = await deps.ledger.get(entry.kind, entry.id)
      if (!latest || latest.status !== LedgerStatus.issued) {
        await deps.ledger.completeClaim(key, owner, { outcome: SweepSkipReason.stale }, clock())
        return skip(SweepSkipReason.stale)
      }
      const view = await deps.gateway.look(latest, callOptions())
      let outcome = outcomeOf(view, ourEarlierAttempt)
      if (view.status === SparkflyOfferStatus.open) {
        voidMayHaveHappened = true
        let result: VoidResult
        try {
          result = await deps.gateway.void(latest, callOptions())
        } catch (error) {
          // A throttled call was not processed by Sparkfly.
          if (failureReason(error) === SweepFailureReason.rateLimited) voidMayHaveHappened = ourEarlierAttempt
          throw error
        }
        // "Already voided" right after "open": our own call, replayed by the client after a lost answer.
        outcome = result === VoidResult.alreadyRedeemed ? SweepOutcome.alreadyRedeemed : SweepOutcome.voided
      }
      const written = await record(latest, outcome, view)
      await deps.ledger.completeClaim(
        key,
        owner,
        { outcome: written ? outcome : SweepSkipReason.conflict },
        clock(),
      )
      if (written) count(outcome)
      else skip(SweepSkipReason.conflict)
      consecutiveFailures = 0
    } catch (error) {
      fail(entry, error)
      try {
        await deps.ledger.releaseClaim(key, owner, voidMayHaveHappened, clock())
      } catch (releaseError) {
        log.warn('Could not release a sweep claim; it lapses with its lease', {
          offer: entry.pk,
          error: (releaseError as ErrorLike)?.name,
        })
      }
    }
  }

  const handle = async (entry: LedgerEntry, cutoff: string) => {
    if (shouldStop()) return
    // The index compares strings; an offset or odd format must never make an offer due early.
    if (entry.sweepAt && Date.parse(entry.sweepAt) > Date.parse(cutoff)) return
    await rateGate()
    if (shouldStop()) return
    counts.found += 1
    if (dryRun) await plan(entry)
    else await sweepOne(entry)
    progress()
  }

  const limit = pLimit(Math.max(1, options.concurrency))
  const checkpoint = await readCheckpoint(deps.checkpoints, log)
  const partitions = orderedPartitions(deps.ledger.shards, checkpoint)
  let resumeFrom: Partition | undefined
  let fatal: unknown

  try {
    for (const partition of partitions) {
      current = partition
      if (shouldStop()) break
      let startKey: Record<string, unknown> | undefined
      do {
        if (shouldStop()) break
        const page = await deps.ledger.dueForSweep(partition.kind, partition.shard, cutoffs[partition.kind], {
          limit: options.pageSize,
          ...(startKey ? { startKey } : {}),
        })
        await Promise.all(page.items.map((entry) => limit(() => handle(entry, cutoffs[partition.kind]))))
        startKey = page.nextKey
      } while (startKey)
    }
    if (stopReason) resumeFrom = current
  } catch (error) {
    fatal = error
    resumeFrom = current
  }

  let remaining = { count: 0, capped: false }
  try {
    remaining = await countRemaining(
      deps.ledger,
      cutoffs,
      options.remainingCountLimit ?? SWEEP_DEFAULTS.remainingCountLimit,
    )
  } catch (error) {
    log.warn('Could not count the offers left due', { error: (error as ErrorLike)?.name })
  }
  const summary = summarize(stopReason ?? SweepStatus.complete, {
    remaining: remaining.count,
    remainingCapped: remaining.capped,
    ...(resumeFrom ? { resumeFrom } : {}),
    ...(dryRun ? { actions } : {}),
  })

  if (!dryRun) {
    try {
      await deps.checkpoints.write(summary)
    } catch (error) {
      log.warn('Could not write the sweep checkpoint', { error: (error as ErrorLike)?.name })
    }
    try {
      await deps.ledger.releaseClaim(SWEEP_LEASE_KEY, owner, false, clock())
    } catch (error) {
      log.warn('Could not release the sweep lease; it lapses on its own', {
        error: (error as ErrorLike)?.name,
      })
    }
  }
  if (fatal) throw fatal
  return summary
}

async function readCheckpoint(
  store: SweepCheckpointStore,
  log: SweepLogger,
): Promise<SweepCheckpoint | undefined> {
  try {
    return await store.read()
  } catch (error) {
    log.warn('Could not read the sweep checkpoint; starting from the first partition', {
      error: (error as ErrorLike)?.name,
    })
    return undefined
  }
}

/** Every partition of the index, starting with the one the last run stopped in. */
function orderedPartitions(shards: number, checkpoint: SweepCheckpoint | undefined): Partition[] {
  const all: Partition[] = []
  for (const kind of [OfferKind.offerState, OfferKind.credential]) {
    for (let shard = 0; shard < shards; shard += 1) all.push({ kind, shard })
  }
  const from = checkpoint?.resumeFrom
  const start = from ? all.findIndex((p) => p.kind === from.kind && p.shard === from.shard) : -1
  return start > 0 ? [...all.slice(start), ...all.slice(0, start)] : all
}

/** Offers still due in every partition, counted up to `limit`. */
async function countRemaining(
  ledger: SweepLedger,
  cutoffs: Record<OfferKind, string>,
  limit: number,
): Promise<{ count: number; capped: boolean }> {
  let total = 0
  for (const kind of [OfferKind.offerState, OfferKind.credential]) {
    for (let shard = 0; shard < ledger.shards; shard += 1) {
      let startKey: Record<string, unknown> | undefined
      do {
        const page = await ledger.dueForSweep(kind, shard, cutoffs[kind], {
          limit: SWEEP_DEFAULTS.remainingCountPageSize,
          ...(startKey ? { startKey } : {}),
        })
        total += page.items.length
        if (total >= limit) return { count: limit, capped: true }
        startKey = page.nextKey
      } while (startKey)
    }
  }
  return { count: total, capped: false }
}
