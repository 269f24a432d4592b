import { dynamoDocumentClient, sqsClient } from '../aws/clients'
import { type AppConfig, getConfig } from '../config'
import { type OfferEventPublisher, SqsOfferEventPublisher } from '../events/outbound'
import { Ledger } from '../ledger/Ledger'
import { type Offers, sparkflyOffers } from '../offers'
import { createSparkflyClient, type SparkflyClient, type SparkflyClientConfig } from '../sparkfly'

/** What every function shares within one container: configuration, adapters and the Sparkfly client. */
export interface AppContext {
  config: AppConfig
  ledger: Ledger
  publisher: OfferEventPublisher
  sparkfly: SparkflyClient
  /** The offers port over `sparkfly`: what the domains use. */
  offers: Offers
}

let context: AppContext | undefined

/**
 * The container's composition root, built on first use and reused by every invocation (SDK clients, cached secret
 * and token, keep-alive connections).
 */
export function appContext(): AppContext {
  if (context) return context
  const config = getConfig()
  const sparkfly = createSparkflyClient(sparkflyClientConfig(config))
  context = {
    config,
    ledger: new Ledger({
      tableName: config.LEDGER_TABLE,
      client: dynamoDocumentClient(),
      sweepShards: config.LEDGER_SWEEP_SHARDS,
    }),
    publisher: new SqsOfferEventPublisher(sqsClient(), config.OFFER_EVENTS_QUEUE_URL),
    sparkfly,
    offers: sparkflyOffers(sparkfly),
  }
  return context
}

/** Forgets the container's context (tests that change the environment between suites). */
export function resetAppContext(): void {
  context = undefined
}

/** The Sparkfly client's settings from the configuration. */
export function sparkflyClientConfig(config: AppConfig): SparkflyClientConfig {
  return {
    secretId: config.SPARKFLY_SECRET_ID,
    baseUrl: config.SPARKFLY_BASE_URL,
    timeoutMs: config.SPARKFLY_TIMEOUT_MS,
    maxRetries: config.SPARKFLY_MAX_RETRIES,
    authMethod: config.SPARKFLY_AUTH_METHOD,
    ...(config.SPARKFLY_CREDENTIALS_SECRET_ID
      ? { credentialsSecretId: config.SPARKFLY_CREDENTIALS_SECRET_ID }
      : {}),
  }
}
