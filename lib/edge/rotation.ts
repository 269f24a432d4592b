import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import middy from '@middy/core'
import { logger, MetricUnit, metrics } from '../observability'
import { type RotationResult, rotateToken, type TokenRotationDeps } from '../rotation'

/**
 * The scheduled token rotation as a Lambda handler: Lambda context in the logs, EMF metrics, one rotation per
 * invocation with `SparkflyTokenRotated` and a log line on success. Returns when the new token expires (never the
 * token); a failure propagates, so the invocation fails loudly and the previous token stays in place.
 *
 * @example
 * export const handler = tokenRotationHandler(() => tokenRotationDeps())
 */
export function tokenRotationHandler(deps: () => TokenRotationDeps) {
  return middy<unknown, RotationResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async () => {
      const result = await rotateToken(deps())
      metrics.addMetric('SparkflyTokenRotated', MetricUnit.Count, 1)
      logger.info('Sparkfly token rotated', { ...result })
      return result
    })
}
