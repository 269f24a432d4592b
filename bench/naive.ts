import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { sparkflyClientConfig } from '../lib/app/context'
import { createSecretReader } from '../lib/aws/secrets'
import { getConfig } from '../lib/config'
import { parseLoyaltyEvent } from '../lib/events/inbound'
import { issueRequest, loadRules, rulesFor, windowFor } from '../lib/issuance'
import { sparkflyOffers } from '../lib/offers'
import { createSparkflyClient, fetchTransport } from '../lib/sparkfly'

/**
 * The plain naive issuance handler the project is compared with, FIXED so the ratio means the same in every run: what
 * a first draft does and nothing more.
 * - per invocation: a new Secrets Manager client and Sparkfly client, so one GetSecretValue and one /auth each time;
 * - records one after the other, one Sparkfly issue call per matching rule, over fetch;
 * - no ledger (no claim, no record, no exactly-once), no offer.issued event: less work per event than the product,
 *   so the ratio is the product's design (concurrency, container-wide caches) against its absence, not extra work.
 */
export async function naiveHandler(event: SQSEvent): Promise<SQSBatchResponse> {
  const config = getConfig()
  const secretsManager = new SecretsManagerClient({})
  try {
    const offers = sparkflyOffers(
      createSparkflyClient({
        ...sparkflyClientConfig(config),
        transport: fetchTransport,
        secretReader: createSecretReader({ client: secretsManager }),
      }),
    )
    const rules = loadRules(config.ISSUANCE_RULES)
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = []
    for (const record of event.Records) {
      try {
        const loyaltyEvent = parseLoyaltyEvent(record.body)
        for (const rule of rulesFor(rules, loyaltyEvent.type)) {
          const window = windowFor(loyaltyEvent, rule, new Date())
          await offers.issue(issueRequest(loyaltyEvent, rule, window))
        }
      } catch {
        batchItemFailures.push({ itemIdentifier: record.messageId })
      }
    }
    return { batchItemFailures }
  } finally {
    secretsManager.destroy()
  }
}
