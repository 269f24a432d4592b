import { Logger } from '@aws-lambda-powertools/logger'
import { Metrics } from '@aws-lambda-powertools/metrics'

/** The one logger of the service; functions add their own persistent keys. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'offer-lifecycle' })

/** The one EMF metrics emitter of the service (namespace from POWERTOOLS_METRICS_NAMESPACE). */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OfferLifecycle',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'offer-lifecycle',
})

export { MetricUnit } from '@aws-lambda-powertools/metrics'
