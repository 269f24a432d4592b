import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { isConditionFailure } from './errors'
import type { LedgerEntry } from './types'

/** The outcome of trying to take an issuance claim. */
export type IssuanceClaim<T> =
  | { status: 'acquired'; attempt: number; previous?: { state: string; mayHaveReachedSparkfly: boolean } }
  | {
      status: 'done'
      result: T
      /** The ledger entry settled with the claim (absent on claims completed before entries were kept). */
      entry?: LedgerEntry
      /** A redelivery already made sure the entry and its `offer.issued` went out. */
      published: boolean
      /** The delivery (SQS message id) of the attempt that settled it, when it said. */
      deliveryId?: string
    }
  | { status: 'busy'; leaseUntil: string }

/** How a failed attempt leaves its claim. */
export interface ClaimRelease {
  /** The failed call may have been applied at Sparkfly: the next attempt must look the offer up first. */
  mayHaveReachedSparkfly: boolean
  /**
   * Until when nobody may take the claim over (ISO-8601): Sparkfly may still apply a request the caller gave up
   * on, and a look-up before then could miss it. Absent: free at once.
   */
  protectUntil?: string
}

const CLAIM_NAMES = { '#state': 'state' } as const

/**
 * The claims that make issuance exactly-once, one item per (event, rule) in the ledger table
 * (`claim#issue:...`). Unlike the generic `Ledger.claim` (leases of the sweep), a released claim can stay
 * protected for a safety window, and the completed claim holds the ledger entry it settled, so a redelivery after
 * a crash between the last writes can finish the work without calling Sparkfly.
 *
 * @example
 * const claim = await ledger.issuanceClaims.take(key, { owner, deliveryId: messageId }, leaseMs)
 * if (claim.status === 'acquired') await ledger.issuanceClaims.settle(key, owner, ref, entry)
 */
export class IssuanceClaims {
  private readonly tableName: string
  private readonly client: DynamoDBDocumentClient

  constructor(options: { tableName: string; client: DynamoDBDocumentClient }) {
    this.tableName = options.tableName
    this.client = options.client
  }

  /**
   * Takes the claim on `key` for `leaseMs` (one conditional write) for `holder` (this attempt, and the delivery it
   * works for, kept to tell a redelivery of the settling message). `done` returns what the claim settled; `busy`
   * when a live lease or a release's safety window holds it; otherwise `acquired`, with `attempt` and whether an
   * earlier attempt may have reached Sparkfly (a holder that died always may have).
   */
  async take<T>(
    key: string,
    holder: { owner: string; deliveryId?: string },
    leaseMs: number,
    now = new Date(),
  ): Promise<IssuanceClaim<T>> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key },
          UpdateExpression:
            'SET #state = :pending, leaseOwner = :owner, deliveryId = :delivery, leaseUntil = :until, attempts = if_not_exists(attempts, :zero) + :one, updatedAt = :now REMOVE mayHaveReachedSparkfly',
          ConditionExpression:
            'attribute_not_exists(pk) OR (#state <> :done AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now))',
          ExpressionAttributeNames: CLAIM_NAMES,
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':done': 'done',
            ':owner': holder.owner,
            ':delivery': holder.deliveryId ?? '',
            ':until': new Date(now.getTime() + leaseMs).toISOString(),
            ':now': now.toISOString(),
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_OLD',
        }),
      )
      return acquiredFrom(out.Attributes)
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      return this.current<T>(key, now)
    }
  }

  /**
   * Completes the claim with its `result` and the ledger `entry` of the offer, in one conditional write (the
   * holder's own claim only). Later takes answer `done` with both.
   */
  async settle<T>(
    key: string,
    owner: string,
    result: T,
    entry: LedgerEntry,
    now = new Date(),
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key },
        UpdateExpression:
          'SET #state = :done, #result = :result, #entry = :entry, updatedAt = :now REMOVE leaseUntil',
        ConditionExpression: 'leaseOwner = :owner AND #state = :pending',
        ExpressionAttributeNames: { ...CLAIM_NAMES, '#result': 'result', '#entry': 'entry' },
        ExpressionAttributeValues: {
          ':done': 'done',
          ':pending': 'pending',
          ':result': result,
          ':entry': entry,
          ':now': now.toISOString(),
          ':owner': owner,
        },
      }),
    )
  }

  /**
   * Releases the holder's claim after a failed attempt, recording whether the failure may have reached Sparkfly
   * and, when it may have, protecting the claim until `protectUntil`. A claim lost to another holder meanwhile is
   * left alone.
   */
  async release(key: string, owner: string, how: ClaimRelease, now = new Date()): Promise<void> {
    const protect = how.mayHaveReachedSparkfly && how.protectUntil !== undefined
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key },
          UpdateExpression: `SET #state = :failed, mayHaveReachedSparkfly = :reached, updatedAt = :now${
            protect ? ', leaseUntil = :until' : ' REMOVE leaseUntil'
          }`,
          ConditionExpression: 'leaseOwner = :owner AND #state = :pending',
          ExpressionAttributeNames: CLAIM_NAMES,
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':pending': 'pending',
            ':reached': how.mayHaveReachedSparkfly,
            ':now': now.toISOString(),
            ':owner': owner,
            ...(protect ? { ':until': how.protectUntil } : {}),
          },
        }),
      )
    } catch (error) {
      if (!isConditionFailure(error)) throw error
    }
  }

  /** Notes on a done claim that its entry is in the ledger and its `offer.issued` was published (after a repair). */
  async markPublished(key: string, now = new Date()): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key },
        UpdateExpression: 'SET published = :yes, updatedAt = :now',
        ConditionExpression: '#state = :done',
        ExpressionAttributeNames: CLAIM_NAMES,
        ExpressionAttributeValues: { ':yes': true, ':done': 'done', ':now': now.toISOString() },
      }),
    )
  }

  private async current<T>(key: string, now: Date): Promise<IssuanceClaim<T>> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: true }),
    )
    const item = out.Item
    if (item?.state === 'done') {
      return {
        status: 'done',
        result: item.result as T,
        ...(item.entry ? { entry: item.entry as LedgerEntry } : {}),
        published: item.published === true,
        ...(item.deliveryId ? { deliveryId: String(item.deliveryId) } : {}),
      }
    }
    return { status: 'busy', leaseUntil: String(item?.leaseUntil ?? now.toISOString()) }
  }
}

function acquiredFrom<T>(old: Record<string, unknown> | undefined): IssuanceClaim<T> {
  const attempt = Number(old?.attempts ?? 0) + 1
  if (!old) return { status: 'acquired', attempt }
  return {
    status: 'acquired',
    attempt,
    previous: {
      state: String(old.state),
      // A holder that died (still pending) may have reached Sparkfly whatever an earlier attempt recorded.
      mayHaveReachedSparkfly: old.state === 'pending' || old.mayHaveReachedSparkfly !== false,
    },
  }
}
