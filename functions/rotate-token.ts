import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import middy from '@middy/core'
import { getConfig } from '../lib/config'
import { logger, MetricUnit, metrics } from '../lib/observability'
import { type RotationResult, rotateToken, tokenRotationDepsFrom } from '../lib/rotation'

/**
 * Token rotation (EventBridge schedule, every 12 h by default): mints a fresh Sparkfly token from the credentials
 * secret and stores it as `{"token", "expiresAt", ...}` in the Sparkfly secret every handler reads. Returns when
 * the new token expires (never the token).
 */
export const handler = middy<unknown, RotationResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async () => {
    const result = await rotateToken(tokenRotationDepsFrom(getConfig()))
    metrics.addMetric('SparkflyTokenRotated', MetricUnit.Count, 1)
    logger.info('Sparkfly token rotated', { ...result })
    return result
  })
