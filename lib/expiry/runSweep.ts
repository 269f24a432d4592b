import pLimit from 'p-limit'
import { readCheckpoint, writeCheckpoint } from './checkpoints'
import { errorName } from './failures'
import { handleOffer } from './offer'
import { SWEEP_DEFAULTS, SWEEP_LEASE_KEY, type SweepDeps, type SweepOptions } from './options'
import { countRemaining, duePages, orderedPartitions } from './partitions'
import { type Partition, SweepRun } from './run'
import { SweepStatus, type SweepSummary } from './types'

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
 * Sparkfly calls are abandoned at a hard deadline shortly before the time limit.
 *
 * @example
 * const summary = await runSweep(
 *   { runId: context.awsRequestId, now: new Date(), credentialMaxAgeDays: 90, timeMarginMs: 15_000, pageSize: 100, concurrency: 10 },
 *   { ledger, offers, publisher, checkpoints, eventSource, logger, remainingTimeMs: () => context.getRemainingTimeInMillis() },
 * )
 */
export async function runSweep(options: SweepOptions, deps: SweepDeps): Promise<SweepSummary> {
  const run = new SweepRun(options, deps)
  if (!run.dryRun && !(await acquireLease(run))) return run.summary(SweepStatus.busy)
  const { resumeFrom, fatal } = await sweepDueOffers(run)
  const summary = run.summary(run.stopReason ?? SweepStatus.complete, {
    ...(await remainingFigures(run)),
    ...(resumeFrom ? { resumeFrom } : {}),
    ...(run.dryRun ? { actions: run.actions } : {}),
  })
  if (!run.dryRun) {
    await writeCheckpoint(deps.checkpoints, summary, run.log)
    await releaseLease(run)
  }
  if (fatal) throw fatal
  return summary
}

/** Takes the run lease; false (logged) when another run holds it. */
async function acquireLease(run: SweepRun): Promise<boolean> {
  const leaseMs = run.leaseMs(SWEEP_DEFAULTS.runLeaseSlackMs)
  const lease = await run.deps.ledger.claim(SWEEP_LEASE_KEY, run.owner, leaseMs, run.clock())
  if (lease.status === 'acquired') return true
  run.log.info('Another sweep run holds the lease; nothing to do', {
    leaseUntil: lease.status === 'busy' ? lease.leaseUntil : undefined,
  })
  return false
}

/** Frees the run lease for the next run; when that fails the lease lapses on its own. */
async function releaseLease(run: SweepRun): Promise<void> {
  try {
    await run.deps.ledger.releaseClaim(SWEEP_LEASE_KEY, run.owner, false, run.clock())
  } catch (error) {
    run.log.warn('Could not release the sweep lease; it lapses on its own', { error: errorName(error) })
  }
}

/**
 * Pages through the due offers of every partition (starting where the last run stopped), handling `concurrency`
 * offers at a time, until all were seen or the run must stop. Answers where the next run resumes when this one
 * stopped early, and the error that ended it, if any (the summary and checkpoint are still written).
 */
async function sweepDueOffers(run: SweepRun): Promise<{ resumeFrom?: Partition; fatal?: unknown }> {
  const { ledger, checkpoints } = run.deps
  const limit = pLimit(Math.max(1, run.options.concurrency))
  const partitions = orderedPartitions(ledger.shards, await readCheckpoint(checkpoints, run.log))
  try {
    for (const partition of partitions) {
      run.current = partition
      if (run.shouldStop()) break
      const cutoff = run.cutoffs[partition.kind]
      for await (const page of duePages(ledger, partition, cutoff, run.options.pageSize, () =>
        run.shouldStop(),
      )) {
        await Promise.all(page.map((entry) => limit(() => handleOffer(run, entry, cutoff))))
      }
    }
    return run.stopReason ? { resumeFrom: run.current } : {}
  } catch (error) {
    return { resumeFrom: run.current, fatal: error }
  }
}

/** How many offers are still due (up to `remainingCountLimit`); zero when they cannot be counted. */
async function remainingFigures(run: SweepRun): Promise<{ remaining: number; remainingCapped: boolean }> {
  const limit = run.options.remainingCountLimit ?? SWEEP_DEFAULTS.remainingCountLimit
  try {
    const { count, capped } = await countRemaining(run.deps.ledger, run.cutoffs, limit)
    return { remaining: count, remainingCapped: capped }
  } catch (error) {
    run.log.warn('Could not count the offers left due', { error: errorName(error) })
    return { remaining: 0, remainingCapped: false }
  }
}
