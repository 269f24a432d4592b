import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'

/** Ledger key of the sweep's checkpoint item (outside every index: it has no `code`, `offerIdKey` or `sweepPk`). */
export const SWEEP_CHECKPOINT_KEY = 'sweep#checkpoint'

/**
 * Keeps the expiry sweep's checkpoint as one item of the ledger table (`pk = sweep#checkpoint`), overwritten by
 * each real run while it holds the sweep lease. The item is whatever the sweep stores (its last summary); this
 * adapter only reads and writes it (the sweep's `SweepCheckpointStore` port).
 *
 * @example
 * const checkpoints = new LedgerSweepCheckpoints<SweepCheckpoint>({ tableName: config.LEDGER_TABLE, client: dynamoDocumentClient() })
 * const last = await checkpoints.read()
 */
export class LedgerSweepCheckpoints<T extends object> {
  private readonly tableName: string
  private readonly client: DynamoDBDocumentClient

  constructor(options: { tableName: string; client: DynamoDBDocumentClient }) {
    this.tableName = options.tableName
    this.client = options.client
  }

  /** The stored checkpoint (strongly consistent read), or undefined when no run wrote one yet. */
  async read(): Promise<T | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: SWEEP_CHECKPOINT_KEY }, ConsistentRead: true }),
    )
    const item = out.Item as (T & { pk: string }) | undefined
    if (!item) return undefined
    const { pk: _pk, ...checkpoint } = item
    return checkpoint as unknown as T
  }

  /** Overwrites the checkpoint. */
  async write(checkpoint: T): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...checkpoint, pk: SWEEP_CHECKPOINT_KEY } }),
    )
  }
}
