import type { LedgerEntry } from '../ledger/types'
import { OfferKind } from '../ledger/types'
import type { CallOptions } from '../offers'
import { describeError, failureReason, retryAfterMs, SweepAbortedError } from './failures'
import { SWEEP_DEFAULTS, type SweepDeps, type SweepOptions, sweepCutoffs } from './options'
import {
  type SweepAction,
  type SweepCounts,
  SweepFailureReason,
  type SweepLogger,
  SweepOutcome,
  type SweepSkipReason,
  SweepStatus,
  type SweepSummary,
} from './types'

/** One partition of the sweep index. */
export type Partition = { kind: OfferKind; shard: number }

const MAX_TIMER_MS = 2_147_483_647

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

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * The state of one sweep run, shared by its steps: what it judges by (cutoffs, owner), what it counted, when it
 * must stop (time margin, consecutive failures), the 429 back-off and the hard deadline of each Sparkfly call.
 */
export class SweepRun {
  readonly dryRun: boolean
  /** `sweep:<runId>`: lease and claim owner, `changedBy` of ledger writes and events. */
  readonly owner: string
  readonly nowIso: string
  readonly cutoffs: Record<OfferKind, string>
  readonly clock: () => Date
  readonly log: SweepLogger
  readonly startedAt: Date
  readonly counts = emptyCounts()
  readonly actions: SweepAction[] = []
  /** The partition being swept (where the next run resumes when this one stops early). */
  current: Partition = { kind: OfferKind.offerState, shard: 0 }
  stopReason?: SweepStatus
  private consecutiveFailures = 0
  private pauseUntil = 0
  private readonly sleep: (ms: number) => Promise<void>
  private readonly hardMarginMs: number

  constructor(
    readonly options: SweepOptions,
    readonly deps: SweepDeps,
  ) {
    this.dryRun = options.dryRun === true
    this.owner = `sweep:${options.runId}`
    this.nowIso = options.now.toISOString()
    this.cutoffs = sweepCutoffs(options.now, options.credentialMaxAgeDays)
    this.clock = deps.clock ?? (() => new Date())
    this.sleep = deps.sleep ?? realSleep
    this.log = deps.logger
    this.startedAt = this.clock()
    this.hardMarginMs = Math.min(Math.floor(options.timeMarginMs / 3), SWEEP_DEFAULTS.maxHardMarginMs)
  }

  /** A lease for the rest of the run plus `slackMs`. */
  leaseMs(slackMs: number): number {
    return this.deps.remainingTimeMs() + slackMs
  }

  /** True once the run must start no more work: too little time left, or stopped after failures. */
  shouldStop(): boolean {
    if (!this.stopReason && this.deps.remainingTimeMs() <= this.options.timeMarginMs) {
      this.stopReason = SweepStatus.stoppedForTime
    }
    return this.stopReason !== undefined
  }

  /** Waits out a 429 back-off, but never past the time margin. */
  async rateGate(): Promise<void> {
    const waitMs = this.pauseUntil - this.clock().getTime()
    if (waitMs <= 0) return
    const untilMargin = this.deps.remainingTimeMs() - this.options.timeMarginMs
    await this.sleep(Math.max(0, Math.min(waitMs, untilMargin)))
  }

  /**
   * Makes one Sparkfly call, abandoned when the run's hard deadline passes (`SweepAbortedError` then, whatever the
   * port threw).
   */
  async call<T>(send: (options: CallOptions) => Promise<T>): Promise<T> {
    const untilDeadline = this.deps.remainingTimeMs() - this.hardMarginMs
    const signal = AbortSignal.timeout(Math.floor(Math.min(MAX_TIMER_MS, Math.max(1, untilDeadline))))
    try {
      return await send({ signal })
    } catch (error) {
      throw signal.aborted ? new SweepAbortedError(error) : error
    }
  }

  /** Counts a due offer examined. */
  found(): void {
    this.counts.found += 1
  }

  /** Counts what was done with an offer (a success: the failure streak ends). */
  count(outcome: SweepOutcome): void {
    this.counts[outcome] += 1
    if (outcome === SweepOutcome.voided || outcome === SweepOutcome.notFound) this.counts.expired += 1
    this.succeeded()
  }

  /** Counts an offer left untouched. */
  skip(reason: SweepSkipReason): void {
    this.counts.skipped[reason] += 1
  }

  /** Ends a streak of failures: Sparkfly and the ledger answered. */
  succeeded(): void {
    this.consecutiveFailures = 0
  }

  /** Lists a dry run's planned action (the first `maxActionsListed`). */
  listAction(entry: LedgerEntry, outcome: SweepOutcome): void {
    if (this.actions.length >= SWEEP_DEFAULTS.maxActionsListed) return
    this.actions.push({
      kind: entry.kind,
      id: entry.id,
      outcome,
      ...(entry.memberId ? { memberId: entry.memberId } : {}),
      ...(entry.sweepAt ? { dueAt: entry.sweepAt } : {}),
    })
  }

  /** Counts a failure: backs off after a 429, stops the run after too many failures in a row. */
  fail(entry: LedgerEntry, error: unknown): void {
    const reason = failureReason(error)
    this.counts.failed += 1
    this.counts.failures[reason] += 1
    this.consecutiveFailures += 1
    if (reason === SweepFailureReason.rateLimited) {
      const waitMs = retryAfterMs(error) ?? SWEEP_DEFAULTS.rateLimitPauseMs
      this.pauseUntil = Math.max(this.pauseUntil, this.clock().getTime() + waitMs)
    }
    this.log.warn('Sweep could not handle an offer; it stays due for the next run', {
      offer: entry.pk,
      reason,
      error: describeError(error),
    })
    const limit = this.options.maxConsecutiveFailures ?? SWEEP_DEFAULTS.maxConsecutiveFailures
    if (this.consecutiveFailures >= limit && !this.stopReason) {
      this.stopReason = SweepStatus.stoppedForFailures
      this.log.error('Sweep stopped after consecutive failures (Sparkfly unavailable?)', {
        consecutiveFailures: this.consecutiveFailures,
      })
    }
  }

  /** Reports the counts so far to `onProgress`. */
  progress(): void {
    this.deps.onProgress?.({ ...this.counts, partition: { ...this.current } })
  }

  /** The run's summary with `status` and the counts so far. */
  summary(status: SweepStatus, extra: Partial<SweepSummary> = {}): SweepSummary {
    const finishedAt = this.clock()
    return {
      runId: this.options.runId,
      dryRun: this.dryRun,
      status,
      now: this.nowIso,
      cutoffs: this.cutoffs,
      startedAt: this.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - this.startedAt.getTime(),
      ...this.counts,
      skipped: { ...this.counts.skipped },
      failures: { ...this.counts.failures },
      remaining: 0,
      remainingCapped: false,
      ...extra,
    }
  }
}
