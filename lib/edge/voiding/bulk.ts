import type { SQSRecord } from 'aws-lambda'
import { appContext } from '../../app/context'
import { voidingDeps } from '../../app/voiding'
import { sqsClient } from '../../aws/clients'
import { requireSetting } from '../../config'
import { logger, MetricUnit, metrics } from '../../observability'
import { BulkVoidStatus, parseVoidRequest, processVoidRequest, type VoidDeps } from '../../voiding'
import { sqsBatchHandler } from '../sqs'

/**
 * Handles one message of the bulk void queue: parses it, voids its target, counts `OffersVoided` or
 * `VoidDuplicates` and logs the outcome. Permanent failures are thrown as `PermanentError` (parked on the DLQ by
 * the SQS chain); Sparkfly's failures propagate for the chain to classify.
 */
export async function handleBulkVoidRecord(record: Pick<SQSRecord, 'body'>, deps: VoidDeps): Promise<void> {
  const outcome = await processVoidRequest(parseVoidRequest(record.body), deps)
  metrics.addMetric(
    outcome.status === BulkVoidStatus.voided ? 'OffersVoided' : 'VoidDuplicates',
    MetricUnit.Count,
    1,
  )
  logger.info('Void request', {
    requestId: outcome.requestId,
    status: outcome.status,
    offer: { kind: outcome.offer.kind, id: outcome.offer.id },
  })
}

/**
 * The bulk void queue's Lambda handler: void requests (SQS) -> Sparkfly voids, each recorded in the ledger and
 * published as `offer.voided`; partial batch failures, permanent ones parked on `BULK_VOID_DLQ_URL`.
 */
export function bulkVoidHandler() {
  return sqsBatchHandler({
    sqs: sqsClient,
    deadLetterQueueUrl: () => requireSetting(appContext().config, 'BULK_VOID_DLQ_URL'),
    concurrency: () => appContext().config.SPARKFLY_CONCURRENCY,
    handleRecord: (record) => handleBulkVoidRecord(record, voidingDeps()),
  })
}
