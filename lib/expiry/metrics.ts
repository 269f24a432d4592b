import type { Metrics } from '@aws-lambda-powertools/metrics'
import { MetricUnit } from '../observability'
import type { SweepSummary } from './types'

/** Names of the sweep's CloudWatch metrics (EMF, namespace from POWERTOOLS_METRICS_NAMESPACE). */
export const SweepMetric = {
  found: 'SweepFound',
  voided: 'SweepVoided',
  expired: 'SweepExpired',
  skipped: 'SweepSkipped',
  failed: 'SweepFailed',
  remaining: 'SweepRemaining',
  duration: 'SweepDuration',
  busy: 'SweepBusy',
  dryRun: 'SweepDryRun',
} as const

/**
 * Emits a run's figures as EMF metrics: found, voided, expired, failed, duration and remaining backlog on the
 * service's metrics, and `SweepSkipped` once per reason with a `reason` dimension (already_redeemed,
 * already_voided, not_found, busy, stale, conflict). A dry run counts only `SweepDryRun`; a run that found the
 * lease busy only `SweepBusy`.
 *
 * @example
 * recordSweepMetrics(metrics, summary) // flushed by the logMetrics middleware
 */
export function recordSweepMetrics(metrics: Metrics, summary: SweepSummary): void {
  if (summary.dryRun) {
    metrics.addMetric(SweepMetric.dryRun, MetricUnit.Count, 1)
    return
  }
  if (summary.status === 'busy') {
    metrics.addMetric(SweepMetric.busy, MetricUnit.Count, 1)
    return
  }
  metrics.addMetric(SweepMetric.found, MetricUnit.Count, summary.found)
  metrics.addMetric(SweepMetric.voided, MetricUnit.Count, summary.voided)
  metrics.addMetric(SweepMetric.expired, MetricUnit.Count, summary.expired)
  metrics.addMetric(SweepMetric.failed, MetricUnit.Count, summary.failed)
  metrics.addMetric(SweepMetric.remaining, MetricUnit.Count, summary.remaining)
  metrics.addMetric(SweepMetric.duration, MetricUnit.Milliseconds, summary.durationMs)
  const skipped: Record<string, number> = {
    already_redeemed: summary.alreadyRedeemed,
    already_voided: summary.alreadyVoided,
    not_found: summary.notFound,
    ...summary.skipped,
  }
  for (const [reason, value] of Object.entries(skipped)) {
    if (value === 0) continue
    const single = metrics.singleMetric()
    single.addDimension('reason', reason)
    single.addMetric(SweepMetric.skipped, MetricUnit.Count, value)
  }
}
