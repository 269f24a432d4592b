import type { SQSRecord } from 'aws-lambda'
import { appContext } from '../lib/app/context'
import { sqsClient } from '../lib/aws/clients'
import { requireSetting } from '../lib/config'
import { sqsBatchHandler } from '../lib/edge/sqs'
import { logger, MetricUnit, metrics } from '../lib/observability'
import { parseVoidRequest, processVoidRequest, voidDeps } from '../lib/voiding'

/** Void requests (SQS) -> Sparkfly voids, each recorded in the ledger and published as `offer.voided`. */
export const handler = sqsBatchHandler({
  sqs: sqsClient,
  deadLetterQueueUrl: () => requireSetting(appContext().config, 'BULK_VOID_DLQ_URL'),
  concurrency: () => appContext().config.SPARKFLY_CONCURRENCY,
  handleRecord: async (record: SQSRecord) => {
    const outcome = await processVoidRequest(parseVoidRequest(record.body), voidDeps(appContext()))
    metrics.addMetric(outcome.status === 'voided' ? 'OffersVoided' : 'VoidDuplicates', MetricUnit.Count, 1)
    logger.info('Void request', {
      requestId: outcome.requestId,
      status: outcome.status,
      offer: { kind: outcome.offer.kind, id: outcome.offer.id },
    })
  },
})
