import type { SQSRecord } from 'aws-lambda'
import { appContext } from '../lib/app/context'
import { sqsClient } from '../lib/aws/clients'
import { requireSetting } from '../lib/config'
import { sqsBatchHandler } from '../lib/edge/sqs'
import { parseLoyaltyEvent } from '../lib/events/inbound'
import { issueForEvent, loadRules, sparkflyIssuanceGateway } from '../lib/issuance'
import { logger, MetricUnit, metrics } from '../lib/observability'

/** Loyalty events (SQS) -> Sparkfly offer states / credentials, exactly once per (event, rule). */
export const handler = sqsBatchHandler({
  sqs: sqsClient,
  deadLetterQueueUrl: () => requireSetting(appContext().config, 'ISSUANCE_DLQ_URL'),
  concurrency: () => appContext().config.SPARKFLY_CONCURRENCY,
  handleRecord: async (record: SQSRecord, context) => {
    const app = appContext()
    const event = parseLoyaltyEvent(record.body)
    const outcomes = await issueForEvent(
      event,
      {
        gateway: gateway(),
        ledger: app.ledger,
        publisher: app.publisher,
        rules: rules(),
        eventSource: app.config.EVENT_SOURCE,
        owner: `${context.awsRequestId}:${record.messageId}`,
        leaseMs: Math.max(context.getRemainingTimeInMillis(), 1_000) + 5_000,
      },
      new Date(Number(record.attributes.SentTimestamp) || Date.now()),
    )
    if (outcomes.length === 0) {
      metrics.addMetric('EventsUnmatched', MetricUnit.Count, 1)
      logger.info('No issuance rule matches the event type; acknowledged', {
        eventType: event.type,
        eventId: event.id,
      })
    }
    for (const outcome of outcomes) {
      metrics.addMetric(
        outcome.status === 'duplicate' ? 'IssuanceDuplicates' : 'OffersIssued',
        MetricUnit.Count,
        1,
      )
      logger.info('Issuance', { eventId: event.id, ...outcome })
    }
  },
})

// Per container, not per record: the rules file and the gateway over the shared Sparkfly client.
let cachedRules: ReturnType<typeof loadRules> | undefined
const rules = () => {
  cachedRules ??= loadRules(appContext().config.ISSUANCE_RULES)
  return cachedRules
}
let cachedGateway: { client: unknown; gateway: ReturnType<typeof sparkflyIssuanceGateway> } | undefined
const gateway = () => {
  const client = appContext().sparkfly
  if (cachedGateway?.client !== client) cachedGateway = { client, gateway: sparkflyIssuanceGateway(client) }
  return cachedGateway.gateway
}
