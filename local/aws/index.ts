import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SNSClient } from '@aws-sdk/client-sns'
import { SQSClient } from '@aws-sdk/client-sqs'
import { LOCAL_CREDENTIALS, localResources, type QueueKey, type TopicKey } from './definitions'
import { startDynamoDb } from './dynamodb'
import { createResources } from './resources'
import { type LocalSecretsManager, startSecretsManager } from './secretsManager'
import { startSqs } from './sqs'

export type { CallCounter, CallSummary, CountedCall } from './callCounter'
export { startCallCounter, summarizeCalls } from './callCounter'
export type { QueueKey, SecretKey, TableKey, TopicKey } from './definitions'
export { LOCAL_CREDENTIALS, localResources } from './definitions'
export { createResources } from './resources'
export type { LocalSecretsManager } from './secretsManager'
export { startSecretsManager } from './secretsManager'
export { addQueueSubscriber, subscribeQueue } from './topics'

export interface LocalAwsOptions {
  /** Secret values by key (`sparkfly`, `webhook`) or by name (`sparkfly/api`); objects are stored as JSON. */
  secrets?: Record<string, string | object>
  /** Overrides every queue's VisibilityTimeout (seconds); default 30. */
  visibilityTimeoutSeconds?: number
  /** Default: AWS_REGION or us-east-1. */
  region?: string
}

export interface LocalAws {
  region: string
  /** `sns` is the SQS endpoint: fauxqs serves both. */
  endpoints: { sqs: string; sns: string; dynamodb: string; secretsManager: string }
  /** The Secrets Manager endpoint's handle: `put`, `counters`, `resetCounters`. */
  secretsManager: LocalSecretsManager
  /** Queue URLs. */
  queues: Record<QueueKey, string>
  queueArns: Record<QueueKey, string>
  /** Topic ARNs. */
  topics: Record<TopicKey, string>
  tables: { ledger: string; idempotency: string }
  secretIds: { sparkfly: string; webhook: string }
  /** False on dynalite: TTL attributes are stored but items never expire. */
  ttlEnabled: boolean
  /** Environment that points the SDK and the application at these services. */
  env(): Record<string, string>
  stop(): Promise<void>
}

const mapValues = <K extends string, V, R>(record: Record<K, V>, fn: (value: V) => R): Record<K, R> =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value as V)])) as Record<K, R>

/**
 * Starts local SQS and SNS (fauxqs), DynamoDB (dynalite) and Secrets Manager on free loopback ports and
 * creates every resource of {@link localResources} in them.
 *
 * @example
 * const aws = await startLocalAws({ secrets: { sparkfly: { identity, key } } })
 * Object.assign(process.env, aws.env())
 */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1'
  const started: { stop(): Promise<void> }[] = []
  const track = <T extends { stop(): Promise<void> }>(service: T): T => {
    started.push(service)
    return service
  }
  const stopAll = async () => {
    await Promise.allSettled(started.splice(0).map((service) => service.stop()))
  }
  try {
    const [sqs, dynamodb, secretsManager] = await Promise.all([
      startSqs({ region }).then(track),
      startDynamoDb().then(track),
      startSecretsManager().then(track),
    ])
    const clients = {
      sqs: new SQSClient({ region, endpoint: sqs.url, credentials: LOCAL_CREDENTIALS }),
      sns: new SNSClient({ region, endpoint: sqs.url, credentials: LOCAL_CREDENTIALS }),
      dynamodb: new DynamoDBClient({ region, endpoint: dynamodb.url, credentials: LOCAL_CREDENTIALS }),
      secretsManager: new SecretsManagerClient({
        region,
        endpoint: secretsManager.url,
        credentials: LOCAL_CREDENTIALS,
      }),
    }
    const created = await createResources(localResources, clients, {
      secrets: options.secrets,
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    }).finally(() => {
      for (const client of Object.values(clients)) client.destroy()
    })

    const endpoints = {
      sqs: sqs.url,
      sns: sqs.url,
      dynamodb: dynamodb.url,
      secretsManager: secretsManager.url,
    }
    const queues = mapValues(created.queues, (queue) => queue.url)
    const secretIds = mapValues(created.secrets, (secret) => secret.name)
    return {
      region,
      endpoints,
      secretsManager,
      queues,
      queueArns: mapValues(created.queues, (queue) => queue.arn),
      topics: mapValues(created.topics, (topic) => topic.arn),
      tables: created.tables,
      secretIds,
      ttlEnabled: created.ttlEnabled,
      env: () => ({
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_SQS: endpoints.sqs,
        AWS_ENDPOINT_URL_SNS: endpoints.sns,
        AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
        LEDGER_TABLE: created.tables.ledger,
        IDEMPOTENCY_TABLE: created.tables.idempotency,
        OFFER_EVENTS_TOPIC_ARN: created.topics.offerEvents.arn,
        OFFER_EVENTS_QUEUE_URL: queues.offerEvents,
        ISSUANCE_DLQ_URL: queues.loyaltyEventsDlq,
        BULK_VOID_DLQ_URL: queues.voidRequestsDlq,
        SPARKFLY_SECRET_ID: secretIds.sparkfly,
        WEBHOOK_SECRET_ID: secretIds.webhook,
      }),
      stop: stopAll,
    }
  } catch (error) {
    await stopAll()
    throw error
  }
}
