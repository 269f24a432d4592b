import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type { SweepSummary } from './types'

/** Where the last real run left off: its summary, and the partition the next run starts with. */
export type SweepCheckpoint = Omit<SweepSummary, 'actions'>

/** Stores the sweep's checkpoint; the engine depends on this port. */
export interface SweepCheckpointStore {
  read(): Promise<SweepCheckpoint | undefined>
  write(checkpoint: SweepCheckpoint): Promise<void>
}

/** Ledger key of the checkpoint item (outside every index: it has no `code`, `offerIdKey` or `sweepPk`). */
export const SWEEP_CHECKPOINT_KEY = 'sweep#checkpoint'

/**
 * Keeps the checkpoint as one item of the ledger table (`pk = sweep#checkpoint`), overwritten by each real run
 * while it holds the sweep lease.
 *
 * @example
 * const checkpoints = new DynamoSweepCheckpointStore({ tableName: config.LEDGER_TABLE, client: dynamoDocumentClient() })
 * const last = await checkpoints.read()
 */
export class DynamoSweepCheckpointStore implements SweepCheckpointStore {
  private readonly tableName: string
  private readonly client: DynamoDBDocumentClient

  constructor(options: { tableName: string; client: DynamoDBDocumentClient }) {
    this.tableName = options.tableName
    this.client = options.client
  }

  async read(): Promise<SweepCheckpoint | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: SWEEP_CHECKPOINT_KEY }, ConsistentRead: true }),
    )
    const item = out.Item as (SweepCheckpoint & { pk: string }) | undefined
    if (!item) return undefined
    const { pk: _pk, ...checkpoint } = item
    return checkpoint
  }

  async write(checkpoint: SweepCheckpoint): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...checkpoint, pk: SWEEP_CHECKPOINT_KEY } }),
    )
  }
}
