import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'

/** Names of the ledger's global secondary indexes, one per access path. */
export const LedgerIndex = {
  /** Find an offer by the code scanned at the till (credential identifier). */
  byCode: 'byCode',
  /** Find the offers issued for one Sparkfly offer, newest last. */
  byOffer: 'byOffer',
  /** Sparse index of offers that can still expire, ordered by the time they are due. */
  bySweep: 'bySweep',
} as const

/**
 * The ledger table's definition, used to create it locally and mirrored in `sls/resources/ledger.yml`.
 *
 * @example
 * await dynamodb.send(new CreateTableCommand(ledgerTableDefinition('offers-ledger')))
 */
export function ledgerTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'code', AttributeType: 'S' },
      { AttributeName: 'offerIdKey', AttributeType: 'S' },
      { AttributeName: 'issuedAt', AttributeType: 'S' },
      { AttributeName: 'sweepPk', AttributeType: 'S' },
      { AttributeName: 'sweepAt', AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: LedgerIndex.byCode,
        KeySchema: [{ AttributeName: 'code', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: LedgerIndex.byOffer,
        KeySchema: [
          { AttributeName: 'offerIdKey', KeyType: 'HASH' },
          { AttributeName: 'issuedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
      {
        IndexName: LedgerIndex.bySweep,
        KeySchema: [
          { AttributeName: 'sweepPk', KeyType: 'HASH' },
          { AttributeName: 'sweepAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  }
}

/** The Powertools idempotency table's definition (hash key `id`, TTL attribute `expiration`). */
export function idempotencyTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  }
}
