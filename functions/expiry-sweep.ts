import { runExpirySweep, sweepStage } from '../lib/app/expiry'
import { expirySweepHandler } from '../lib/edge/expiry'
import { logger, metrics } from '../lib/observability'

/**
 * Expiry sweep (EventBridge schedule, or invoked by hand with `{"dryRun": true}`): voids in Sparkfly the offers
 * whose validity ended, marks them expired and publishes `offer.expired`. Returns the run's summary.
 */
export const handler = expirySweepHandler({ sweep: runExpirySweep, stage: sweepStage, logger, metrics })
