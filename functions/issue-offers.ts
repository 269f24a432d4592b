import { issuanceDeps, issuanceQueue } from '../lib/app/issuance'
import { issuanceRecordHandler } from '../lib/edge/issuance'
import { sqsBatchHandler } from '../lib/edge/sqs'

/** Loyalty events (SQS) -> Sparkfly offer states / credentials, exactly once per (event, rule). */
export const handler = sqsBatchHandler({
  ...issuanceQueue,
  handleRecord: issuanceRecordHandler(issuanceDeps),
})
