import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { idempotencyTableDefinition, ledgerTableDefinition } from '../../lib/ledger/schema'

/**
 * The one definition of every AWS resource the application needs locally. `resources.ts` creates
 * them; `index.ts` derives the handles and the environment from the same object. Names mirror the
 * deployed resources without the service/stage prefix.
 */

export interface QueueDefinition {
  name: string
  /** Key of the dead-letter queue in {@link localResources}.queues, with its maxReceiveCount. */
  deadLetter?: { queue: string; maxReceiveCount: number }
  visibilityTimeoutSeconds?: number
}

/** An SQS subscription of a topic. */
export interface SubscriptionDefinition {
  /** Key of the subscribed queue in {@link localResources}.queues. */
  queue: string
  /** Deliver the published message as is (body and attributes), not wrapped in SNS's JSON envelope. */
  rawMessageDelivery?: boolean
  /** Key of the queue that receives what SNS cannot deliver (the subscription's RedrivePolicy). */
  deadLetterQueue?: string
  /** SNS filter policy on the message attributes. */
  filterPolicy?: Record<string, unknown>
}

export interface TopicDefinition {
  name: string
  subscriptions: readonly SubscriptionDefinition[]
}

export interface TableDefinition {
  name: string
  definition: (tableName: string) => CreateTableCommandInput
  /** TTL attribute (enabled where the endpoint supports UpdateTimeToLive; dynalite does not). */
  ttlAttribute?: string
}

export interface SecretDefinition {
  /** Created without a value unless `startLocalAws({ secrets })` supplies one. */
  name: string
}

export interface ResourceDefinitions {
  queues: Record<string, QueueDefinition>
  topics: Record<string, TopicDefinition>
  tables: Record<string, TableDefinition>
  secrets: Record<string, SecretDefinition>
}

const DEFAULT_VISIBILITY_TIMEOUT_SECONDS = 30

/** Dummy credentials for SDK clients of the local services (they accept any signature). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const

export const localResources = {
  queues: {
    loyaltyEventsDlq: { name: 'loyalty-events-dlq' },
    loyaltyEvents: {
      name: 'loyalty-events',
      deadLetter: { queue: 'loyaltyEventsDlq', maxReceiveCount: 5 },
      visibilityTimeoutSeconds: DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
    },
    voidRequestsDlq: { name: 'void-requests-dlq' },
    voidRequests: {
      name: 'void-requests',
      deadLetter: { queue: 'voidRequestsDlq', maxReceiveCount: 5 },
      visibilityTimeoutSeconds: DEFAULT_VISIBILITY_TIMEOUT_SECONDS,
    },
    offerEvents: { name: 'offer-events' },
    offerEventsDlq: { name: 'offer-events-dlq' },
  },
  topics: {
    // The offer-events queue is the topic's default subscriber; consumers add their own filtered queues.
    offerEvents: {
      name: 'offer-events',
      subscriptions: [{ queue: 'offerEvents', rawMessageDelivery: true, deadLetterQueue: 'offerEventsDlq' }],
    },
  },
  tables: {
    ledger: { name: 'offers-ledger', definition: ledgerTableDefinition },
    idempotency: {
      name: 'offers-idempotency',
      definition: idempotencyTableDefinition,
      ttlAttribute: 'expiration',
    },
  },
  secrets: {
    sparkfly: { name: 'sparkfly/api' },
    webhook: { name: 'pos/webhook' },
  },
} as const satisfies ResourceDefinitions

export type LocalResources = typeof localResources
export type QueueKey = keyof LocalResources['queues']
export type TopicKey = keyof LocalResources['topics']
export type TableKey = keyof LocalResources['tables']
export type SecretKey = keyof LocalResources['secrets']
