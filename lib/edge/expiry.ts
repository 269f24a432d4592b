import type { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Metrics } from '@aws-lambda-powertools/metrics'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import type { SweepInvocation } from '../app/expiry'
import { parseSweepRequest, type SweepSummary } from '../expiry'
import { MetricUnit } from '../observability'

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

/** What the sweep's Lambda edge needs: the run, the stage, and the service's logger and metrics. */
export interface ExpirySweepEdge {
  sweep: (invocation: SweepInvocation) => Promise<SweepSummary>
  stage: () => string
  logger: Logger
  metrics: Metrics
}

/**
 * The sweep's Lambda handler (EventBridge schedule, or invoked by hand with `{"dryRun": true}`): reads the
 * invocation (`SweepRequestError` for one it refuses), runs the sweep with the Lambda's remaining time, emits the
 * run's metrics, logs its figures and returns the summary.
 *
 * @example
 * export const handler = expirySweepHandler({ sweep: runExpirySweep, stage: sweepStage, logger, metrics })
 */
export function expirySweepHandler(edge: ExpirySweepEdge) {
  return middy<unknown, SweepSummary>()
    .use(injectLambdaContext(edge.logger, { resetKeys: true }))
    .use(logMetrics(edge.metrics))
    .handler(async (event: unknown, context: Context) => {
      const request = parseSweepRequest(event, edge.stage())
      const summary = await edge.sweep({
        runId: context.awsRequestId,
        now: request.now ?? new Date(),
        dryRun: request.dryRun,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      })
      recordSweepMetrics(edge.metrics, summary)
      const { actions, ...figures } = summary
      edge.logger.info(summary.dryRun ? 'Expiry sweep dry run' : 'Expiry sweep finished', {
        summary: figures,
        ...(actions ? { actions: actions.length } : {}),
      })
      return summary
    })
}
