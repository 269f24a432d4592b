import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { sparkflyClientConfig } from '../lib/app/context'
import { createSecretReader } from '../lib/aws/secrets'
import { getConfig } from '../lib/config'
import { parseLoyaltyEvent } from '../lib/events/inbound'
import { SqsOfferEventPublisher } from '../lib/events/outbound'
import { issueForEvent, loadRules } from '../lib/issuance'
import { Ledger } from '../lib/ledger/Ledger'
import { sparkflyOffers } from '../lib/offers'
import { createSparkflyClient } from '../lib/sparkfly'

/**
 * The naive issuance handler the optimized one is compared with: the same domain work per event (claim, issue,
 * record, publish, complete, exactly once), but written the way a first draft often is:
 * - everything is created per invocation: SDK clients, a Sparkfly client, so the secret is read with
 *   GetSecretValue and a token minted at /auth on every invocation (no container-wide cache);
 * - records are handled one after the other: one Sparkfly call in flight at a time.
 */
export async function naiveHandler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const config = getConfig()
  const secretsManager = new SecretsManagerClient({})
  const dynamodb = new DynamoDBClient({})
  const sqs = new SQSClient({})
  try {
    const sparkfly = createSparkflyClient({
      ...sparkflyClientConfig(config),
      secretReader: createSecretReader({ client: secretsManager }),
    })
    const ledger = new Ledger({
      tableName: config.LEDGER_TABLE,
      client: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    })
    const publisher = new SqsOfferEventPublisher(sqs, config.OFFER_EVENTS_QUEUE_URL)
    const rules = loadRules(config.ISSUANCE_RULES)
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = []
    for (const record of event.Records) {
      try {
        await issueForEvent(parseLoyaltyEvent(record.body), {
          offers: sparkflyOffers(sparkfly),
          ledger,
          claims: ledger.issuanceClaims,
          publisher,
          rules,
          eventSource: config.EVENT_SOURCE,
          owner: `${context.awsRequestId}:${record.messageId}`,
          callDeadline: new Date(Date.now() + context.getRemainingTimeInMillis() - 1_000),
        })
      } catch {
        batchItemFailures.push({ itemIdentifier: record.messageId })
      }
    }
    return { batchItemFailures }
  } finally {
    secretsManager.destroy()
    dynamodb.destroy()
    sqs.destroy()
  }
}
