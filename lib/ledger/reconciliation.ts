import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { ledgerKey } from './Ledger'
import { type LedgerEntry, LedgerStatus, type NewLedgerEntry, OfferKind } from './types'

/** Ledger key of the reconciliation checkpoint (outside every index). */
export const RECONCILE_CHECKPOINT_KEY = 'reconcile#checkpoint'

/** A ledger entry with what reconciliation keeps on it. */
export interface ReconciledEntry extends LedgerEntry {
  /** `sparkfly`: an offer this project did not issue, recorded from Sparkfly's activity. Absent: ours. */
  origin?: 'sparkfly'
  /** Ids of the Sparkfly activities already applied to this offer (string set). */
  reconciledActivities?: Set<string>
  /** Ids of the activities whose offer event is out. */
  publishedActivities?: Set<string>
  suspended?: boolean
  /** The last activity that contradicted the ledger (drift), as `<type>:<activity id>`. */
  lastDrift?: string
}

/** How applying one activity to an offer ended. */
export type ApplyOutcome =
  | { outcome: 'applied'; entry: ReconciledEntry }
  | { outcome: 'duplicate' | 'conflict' | 'missing'; current?: ReconciledEntry }

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'

const TIME_FIELD = { redeemed: 'redeemedAt', voided: 'voidedAt', expired: 'expiredAt' } as const

/**
 * The ledger writes of reconciliation: every one conditional and idempotent by Sparkfly activity id (the ids
 * applied to an offer are kept on it as a string set), so an activity read twice, in overlapping windows or after a
 * crash changes the offer once. A status only ever moves forward, from `issued`.
 */
export class LedgerReconciliation {
  constructor(private readonly options: { tableName: string; client: DynamoDBDocumentClient }) {}

  /** Reads one offer (strongly consistent). */
  async get(kind: OfferKind, id: string): Promise<ReconciledEntry | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: ledgerKey.offer(kind, id) },
        ConsistentRead: true,
      }),
    )
    return out.Item as ReconciledEntry | undefined
  }

  /**
   * Moves an `issued` offer to `to` for activity `activityId` (leaves the sweep index). `duplicate` when the
   * activity was applied before, `conflict` when the offer is in another state, `missing` when it is not recorded.
   */
  async transition(
    kind: OfferKind,
    id: string,
    to: Exclude<LedgerStatus, 'issued'>,
    activity: { id: string; at: string; changedBy: string },
  ): Promise<ApplyOutcome> {
    const time = TIME_FIELD[to]
    return this.update(kind, id, activity.id, {
      UpdateExpression: `SET #status = :to, updatedAt = :at, ${time} = :at, changedBy = :by ADD reconciledActivities :act REMOVE sweepPk, sweepAt`,
      ConditionExpression:
        'attribute_exists(pk) AND #status = :issued AND NOT contains(reconciledActivities, :actId)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':to': to,
        ':at': activity.at,
        ':by': activity.changedBy,
        ':issued': LedgerStatus.issued,
        ':act': new Set([activity.id]),
        ':actId': activity.id,
      },
    })
  }

  /** Notes activity `activityId` on the offer without a status change, optionally setting `fields`. */
  async note(
    kind: OfferKind,
    id: string,
    activityId: string,
    fields: Record<string, string | boolean> = {},
  ): Promise<ApplyOutcome> {
    const names = Object.keys(fields)
    const sets = names.map((_name, i) => `#f${i} = :f${i}`)
    return this.update(kind, id, activityId, {
      UpdateExpression: `${sets.length ? `SET ${sets.join(', ')} ` : ''}ADD reconciledActivities :act`,
      ConditionExpression: 'attribute_exists(pk) AND NOT contains(reconciledActivities, :actId)',
      ...(names.length
        ? { ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#f${i}`, n])) }
        : {}),
      ExpressionAttributeValues: {
        ...Object.fromEntries(names.map((n, i) => [`:f${i}`, fields[n]])),
        ':act': new Set([activityId]),
        ':actId': activityId,
      },
    })
  }

  /** Records that the offer event of `activityId` is out (a re-run then does not publish it again). */
  async markPublished(kind: OfferKind, id: string, activityId: string): Promise<void> {
    await this.options.client.send(
      new UpdateCommand({
        TableName: this.options.tableName,
        Key: { pk: ledgerKey.offer(kind, id) },
        UpdateExpression: 'ADD publishedActivities :act',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':act': new Set([activityId]) },
      }),
    )
  }

  /**
   * Records an offer state this project did not issue (`origin: sparkfly`), as issued, outside the sweep index (the
   * sweep never voids what it did not issue). Idempotent: an existing entry is returned unchanged.
   */
  async recordForeign(entry: Omit<NewLedgerEntry, 'kind'>): Promise<ReconciledEntry> {
    const pk = ledgerKey.offer(OfferKind.offerState, entry.id)
    const item: ReconciledEntry = {
      ...entry,
      kind: OfferKind.offerState,
      pk,
      status: LedgerStatus.issued,
      updatedAt: entry.issuedAt,
      origin: 'sparkfly',
      ...(entry.offerId ? { offerIdKey: `offer#${entry.offerId}` } : {}),
    }
    try {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      return item
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      return (await this.get(OfferKind.offerState, entry.id)) ?? item
    }
  }

  /** The stored checkpoint, or undefined before the first run. */
  async readCheckpoint<T extends object>(): Promise<T | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: { pk: RECONCILE_CHECKPOINT_KEY },
        ConsistentRead: true,
      }),
    )
    if (!out.Item) return undefined
    const { pk: _pk, ...checkpoint } = out.Item
    return checkpoint as T
  }

  /** Overwrites the checkpoint. */
  async writeCheckpoint<T extends object>(checkpoint: T): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { ...checkpoint, pk: RECONCILE_CHECKPOINT_KEY },
      }),
    )
  }

  private async update(
    kind: OfferKind,
    id: string,
    activityId: string,
    expression: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
  ): Promise<ApplyOutcome> {
    try {
      const out = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: { pk: ledgerKey.offer(kind, id) },
          ReturnValues: 'ALL_NEW',
          ...expression,
        }),
      )
      return { outcome: 'applied', entry: out.Attributes as ReconciledEntry }
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      const current = await this.get(kind, id)
      if (!current) return { outcome: 'missing' }
      const duplicate = current.reconciledActivities?.has(activityId) === true
      return { outcome: duplicate ? 'duplicate' : 'conflict', current }
    }
  }
}
