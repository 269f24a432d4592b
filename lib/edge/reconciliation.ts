import type { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import type { Metrics } from '@aws-lambda-powertools/metrics'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import type { ReconcileInvocation } from '../app/reconciliation'
import { MetricUnit } from '../observability'
import type { ReconcileSummary } from '../reconciliation'

/** Names of reconciliation's CloudWatch metrics (EMF). `ReconcileDrift` drives the drift alarm. */
export const ReconcileMetric = {
  rows: 'ReconcileRows',
  applied: 'ReconcileApplied',
  drift: 'ReconcileDrift',
  foreign: 'ReconcileForeign',
  truncations: 'ReconcileTruncations',
  failed: 'ReconcileFailed',
  busy: 'ReconcileBusy',
} as const

/** Emits a run's figures (a dry run emits nothing; a busy run only `ReconcileBusy`). */
export function recordReconcileMetrics(metrics: Metrics, summary: ReconcileSummary): void {
  if (summary.dryRun) return
  if (summary.status === 'busy') {
    metrics.addMetric(ReconcileMetric.busy, MetricUnit.Count, 1)
    return
  }
  metrics.addMetric(ReconcileMetric.rows, MetricUnit.Count, summary.rows)
  metrics.addMetric(ReconcileMetric.applied, MetricUnit.Count, summary.outcomes.applied)
  metrics.addMetric(ReconcileMetric.drift, MetricUnit.Count, summary.outcomes.drift)
  metrics.addMetric(ReconcileMetric.foreign, MetricUnit.Count, summary.outcomes.foreign)
  metrics.addMetric(ReconcileMetric.truncations, MetricUnit.Count, summary.truncations)
  metrics.addMetric(ReconcileMetric.failed, MetricUnit.Count, summary.status === 'failed' ? 1 : 0)
}

const isIso = (value: unknown): value is string =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value))

/** Reads `{dryRun?, from?, to?}` of a manual invocation; a schedule's event carries none of them. */
export function parseReconcileRequest(event: unknown): { dryRun: boolean; from?: string; to?: string } {
  const input = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>
  const range = {
    ...(isIso(input.from) ? { from: new Date(input.from).toISOString() } : {}),
    ...(isIso(input.to) ? { to: new Date(input.to).toISOString() } : {}),
  }
  return { dryRun: input.dryRun === true, ...range }
}

/** What the function's edge needs. */
export interface ReconcileEdge {
  reconcile: (invocation: ReconcileInvocation) => Promise<ReconcileSummary>
  logger: Logger
  metrics: Metrics
}

/**
 * The reconcile Lambda handler (EventBridge schedule, or by hand with `{"dryRun": true, "from", "to"}`): runs with
 * the Lambda's remaining time, emits the metrics and returns the summary.
 */
export function reconcileHandler(edge: ReconcileEdge) {
  return middy<unknown, ReconcileSummary>()
    .use(injectLambdaContext(edge.logger, { resetKeys: true }))
    .use(logMetrics(edge.metrics))
    .handler(async (event: unknown, context: Context) => {
      const request = parseReconcileRequest(event)
      const summary = await edge.reconcile({
        runId: context.awsRequestId,
        now: new Date(),
        ...request,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
      })
      recordReconcileMetrics(edge.metrics, summary)
      return summary
    })
}
