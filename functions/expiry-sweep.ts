import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { appContext } from '../lib/app/context'
import {
  parseSweepRequest,
  recordSweepMetrics,
  runSweep,
  type SweepSummary,
  sweepDepsFrom,
  sweepOptionsFrom,
} from '../lib/expiry'
import { logger, metrics } from '../lib/observability'

/**
 * Expiry sweep (EventBridge schedule, or invoked by hand with `{"dryRun": true}`): voids in Sparkfly the offers
 * whose validity ended, marks them expired and publishes `offer.expired`. Returns the run's summary.
 */
export const handler = middy<unknown, SweepSummary>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event: unknown, context: Context) => {
    const app = appContext()
    const request = parseSweepRequest(event, app.config.STAGE)
    const summary = await runSweep(
      sweepOptionsFrom(app.config, {
        runId: context.awsRequestId,
        now: request.now ?? new Date(),
        dryRun: request.dryRun,
      }),
      sweepDepsFrom(app, () => context.getRemainingTimeInMillis()),
    )
    recordSweepMetrics(metrics, summary)
    const { actions, ...figures } = summary
    logger.info(summary.dryRun ? 'Expiry sweep dry run' : 'Expiry sweep finished', {
      summary: figures,
      ...(actions ? { actions: actions.length } : {}),
    })
    return summary
  })
