import { type ApplyContext, applyActivity } from './apply'
import {
  type ActivityKind,
  ActivityOutcome,
  type ActivityWindow,
  type ReconcileCheckpoint,
  type ReconcileCounts,
  type ReconcileDeps,
  type ReconcileOptions,
  ReconcileStatus,
  type ReconcileSummary,
} from './types'

/** Ledger key of the run lease: one real run at a time. */
export const RECONCILE_LEASE_KEY = 'lease#reconcile'
const LEASE_SLACK_MS = 60_000
const ONE_DAY_MS = 86_400_000

const zero = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

function emptyCounts(): ReconcileCounts {
  return {
    windows: 0,
    rows: 0,
    outcomes: zero(Object.values(ActivityOutcome)),
    applied: zero(['redeem', 'expire', 'issue', 'void', 'suspend', 'unsuspend'] as ActivityKind[]),
    published: 0,
    truncations: 0,
  }
}

const isRetryable = (error: unknown) => (error as { retryable?: unknown } | undefined)?.retryable === true

/** The range of this run: explicit, else from the checkpoint (minus the lag), else the initial lookback. */
function runRange(options: ReconcileOptions, checkpoint: ReconcileCheckpoint | undefined): ActivityWindow {
  const now = options.now.getTime()
  const to = options.to ?? new Date(now - options.settleMs).toISOString()
  if (options.from) return { from: options.from, to }
  const start = checkpoint
    ? Date.parse(checkpoint.doneUntil) - options.lagMs
    : now - options.initialLookbackMs
  return { from: new Date(start).toISOString(), to }
}

/** One run in progress. */
class Run {
  readonly counts = emptyCounts()
  readonly actions: NonNullable<ReconcileSummary['actions']> = []
  constructor(
    readonly options: ReconcileOptions,
    readonly deps: ReconcileDeps,
  ) {}

  get dryRun(): boolean {
    return this.options.dryRun === true
  }

  /** Reads one window completely and applies every row; false when the stream was cut (nothing to undo). */
  async window(window: ActivityWindow): Promise<boolean> {
    const ctx: ApplyContext = {
      deps: this.deps,
      dryRun: this.dryRun,
      published: () => this.counts.published++,
    }
    try {
      for await (const activity of await this.deps.source.read(window)) {
        this.counts.rows += 1
        const outcome = await applyActivity(ctx, activity)
        this.counts.outcomes[outcome] += 1
        if (outcome === ActivityOutcome.applied) this.counts.applied[activity.kind] += 1
        if (this.dryRun) this.actions.push({ activity: activity.id, kind: activity.kind, outcome })
      }
      return true
    } catch (error) {
      if (!isRetryable(error)) throw error
      this.counts.truncations += 1
      this.deps.logger.warn('Activity report cut or unavailable; reading the window again', {
        window,
        error: (error as Error).message,
      })
      return false
    }
  }

  /** A window read completely, retrying a cut stream `truncationRetries` times. */
  async windowWithRetries(window: ActivityWindow): Promise<boolean> {
    for (let attempt = 0; attempt <= this.options.truncationRetries; attempt += 1) {
      if (await this.window(window)) return true
    }
    return false
  }
}

/** Walks the range window by window; returns the status and the end of what was read completely. */
async function walk(
  run: Run,
  range: ActivityWindow,
): Promise<{ status: ReconcileStatus; doneUntil?: string }> {
  const windowMs = Math.min(run.options.windowMs, ONE_DAY_MS)
  let doneUntil: string | undefined
  for (let from = Date.parse(range.from); from < Date.parse(range.to); from += windowMs) {
    if (run.deps.remainingTimeMs() < run.options.timeMarginMs)
      return { status: ReconcileStatus.stoppedForTime, doneUntil }
    const window = {
      from: new Date(from).toISOString(),
      to: new Date(Math.min(from + windowMs, Date.parse(range.to))).toISOString(),
    }
    if (!(await run.windowWithRetries(window))) return { status: ReconcileStatus.failed, doneUntil }
    run.counts.windows += 1
    doneUntil = window.to
    if (!run.dryRun) await advanceCheckpoint(run, doneUntil)
    run.deps.onWindow?.(window, run.counts)
  }
  return { status: ReconcileStatus.complete, doneUntil }
}

/** Moves the checkpoint forward (never back: an explicit earlier range leaves it where it is). */
async function advanceCheckpoint(run: Run, doneUntil: string): Promise<void> {
  const current = await run.deps.reconciliation.readCheckpoint<ReconcileCheckpoint>()
  if (current && current.doneUntil >= doneUntil) return
  await run.deps.reconciliation.writeCheckpoint<ReconcileCheckpoint>({
    doneUntil,
    runId: run.options.runId,
    updatedAt: run.options.now.toISOString(),
  })
}

/**
 * Reads Sparkfly's offer-activity report window by window from the checkpoint (re-reading `lagMs` before it for
 * late rows) up to now minus `settleMs`, and applies each activity to the ledger (see `applyActivity`). Safe to overlap and rerun:
 * a lease lets one real run work at a time, every ledger write is conditional and idempotent by activity id, and
 * the checkpoint only moves past a window read completely (a cut stream is read again; a crash resumes at the
 * last complete window). Stops starting windows `timeMarginMs` before the time limit. Drift is logged
 * (`Reconciliation drift`) and counted (`outcomes.drift`), never written over.
 *
 * @example
 * const summary = await runReconciliation({ runId, now: new Date(), lagMs: 900_000, settleMs: 120_000, windowMs: 3_600_000,
 *   initialLookbackMs: 86_400_000, timeMarginMs: 30_000, truncationRetries: 2 }, deps)
 */
export async function runReconciliation(
  options: ReconcileOptions,
  deps: ReconcileDeps,
): Promise<ReconcileSummary> {
  const run = new Run(options, deps)
  const owner = `reconcile:${options.runId}`
  const base = { runId: options.runId, dryRun: run.dryRun }
  if (!run.dryRun) {
    const leaseMs = deps.remainingTimeMs() + LEASE_SLACK_MS
    const lease = await deps.ledger.claim(RECONCILE_LEASE_KEY, owner, leaseMs, options.now)
    if (lease.status !== 'acquired') {
      deps.logger.info('Another reconciliation run holds the lease; nothing to do')
      return { ...base, ...run.counts, status: ReconcileStatus.busy, from: '', to: '' }
    }
  }
  try {
    const checkpoint = await deps.reconciliation.readCheckpoint<ReconcileCheckpoint>()
    const range = runRange(options, checkpoint)
    const { status, doneUntil } = await walk(run, range)
    const summary: ReconcileSummary = {
      ...base,
      ...run.counts,
      status,
      ...range,
      ...(!run.dryRun && doneUntil ? { doneUntil } : checkpoint ? { doneUntil: checkpoint.doneUntil } : {}),
      ...(run.dryRun ? { actions: run.actions } : {}),
    }
    deps.logger.info('Reconciliation run', { ...summary, actions: undefined })
    return summary
  } finally {
    if (!run.dryRun) await deps.ledger.releaseClaim(RECONCILE_LEASE_KEY, owner, false).catch(() => undefined)
  }
}
