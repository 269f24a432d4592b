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
export type TableKey = keyof LocalResources['tables']
export type SecretKey = keyof LocalResources['secrets']
