import { createHash } from 'node:crypto'
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { IssuanceClaims } from './claims'
import { isConditionFailure, LedgerConflictError } from './errors'
import { LedgerIndex } from './schema'
import {
  type LedgerEntry,
  LedgerStatus,
  type NewLedgerEntry,
  OfferKind,
  type TransitionFields,
} from './types'

/** The outcome of trying to take a claim (an idempotency or sweep lease) on a key. */
export type ClaimResult<T> =
  | { status: 'acquired'; attempt: number; previous?: { state: string; mayHaveReachedSparkfly?: boolean } }
  | { status: 'done'; result: T }
  | { status: 'busy'; leaseUntil: string }

export interface LedgerOptions {
  tableName: string
  client: DynamoDBDocumentClient
  /** Number of partitions of the sweep index per kind (spreads writes of a hot day). */
  sweepShards?: number
}

/** Keys of ledger items. */
export const ledgerKey = {
  offer: (kind: OfferKind, id: string) => `${kind === OfferKind.offerState ? 'os' : 'cred'}#${id}`,
  claim: (name: string) => `claim#${name}`,
  lease: (name: string) => `lease#${name}`,
  sweepPartition: (kind: OfferKind, shard: number) =>
    `${kind === OfferKind.offerState ? 'os' : 'cred'}#${shard}`,
} as const

/**
 * The DynamoDB ledger of every offer the project issued, and the claims that make issuance, voiding and the
 * sweep safe under at-least-once delivery. Every state change is a conditional write: of two writers, one wins.
 *
 * @example
 * const ledger = new Ledger({ tableName: 'offers-ledger', client: dynamoDocumentClient() })
 * const entry = await ledger.findByCode('K7Q2M9XR')
 */
export class Ledger {
  readonly tableName: string
  private readonly client: DynamoDBDocumentClient
  private readonly sweepShards: number
  private claims: IssuanceClaims | undefined

  constructor(options: LedgerOptions) {
    this.tableName = options.tableName
    this.client = options.client
    this.sweepShards = options.sweepShards ?? 4
  }

  /** Number of sweep index partitions per kind. */
  get shards(): number {
    return this.sweepShards
  }

  /** The issuance claims kept in this table (see {@link IssuanceClaims}). */
  get issuanceClaims(): IssuanceClaims {
    this.claims ??= new IssuanceClaims({ tableName: this.tableName, client: this.client })
    return this.claims
  }

  /**
   * The entry {@link record} stores for a newly issued offer (times in UTC, sweep and offer index keys), without
   * writing it: issuance keeps it in its claim so a redelivery can finish a crashed attempt without Sparkfly.
   */
  entryFor(raw: NewLedgerEntry): LedgerEntry {
    const input = normalizeTimes(raw)
    return {
      ...input,
      pk: ledgerKey.offer(input.kind, input.id),
      status: LedgerStatus.issued,
      updatedAt: input.issuedAt,
      ...(input.offerId ? { offerIdKey: `offer#${input.offerId}` } : {}),
      ...this.sweepAttributes(input),
    }
  }

  /**
   * Records a newly issued offer. Idempotent: recording the same offer again returns the stored entry.
   */
  async record(raw: NewLedgerEntry): Promise<{ entry: LedgerEntry; created: boolean }> {
    const input = normalizeTimes(raw)
    const entry = this.entryFor(input)
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: entry,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      )
      return { entry, created: true }
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      const existing = await this.get(input.kind, input.id)
      if (!existing) throw error
      return { entry: existing, created: false }
    }
  }

  /** Reads one offer by kind and Sparkfly id (strongly consistent). */
  async get(kind: OfferKind, id: string): Promise<LedgerEntry | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: ledgerKey.offer(kind, id) },
        ConsistentRead: true,
      }),
    )
    return out.Item as LedgerEntry | undefined
  }

  /** Finds the offer whose credential identifier is `code` (one index read). */
  async findByCode(code: string): Promise<LedgerEntry | undefined> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LedgerIndex.byCode,
        KeyConditionExpression: 'code = :code',
        ExpressionAttributeValues: { ':code': code },
        Limit: 1,
      }),
    )
    return out.Items?.[0] as LedgerEntry | undefined
  }

  /**
   * Moves an offer from `issued` (or one of `from`) to `to`, recording when, why and by whom. The offer leaves the
   * sweep index. Throws {@link LedgerConflictError} carrying the current entry when the offer is in another state.
   */
  async transition(
    kind: OfferKind,
    id: string,
    to: Exclude<LedgerStatus, 'issued'>,
    fields: TransitionFields,
    from: readonly LedgerStatus[] = [LedgerStatus.issued],
  ): Promise<LedgerEntry> {
    const timeField = { redeemed: 'redeemedAt', voided: 'voidedAt', expired: 'expiredAt' }[to]
    const sets = ['#status = :to', '#updatedAt = :at', `#${timeField} = :at`]
    const names: Record<string, string> = {
      '#status': 'status',
      '#updatedAt': 'updatedAt',
      [`#${timeField}`]: timeField,
    }
    const values: Record<string, unknown> = { ':to': to, ':at': fields.at }
    const optional = {
      voidReason: fields.reason,
      changedBy: fields.changedBy,
      transactionId: fields.transactionId,
      storeId: fields.storeId,
    }
    for (const [field, value] of Object.entries(optional)) {
      if (value === undefined) continue
      sets.push(`#${field} = :${field}`)
      names[`#${field}`] = field
      values[`:${field}`] = value
    }
    const allowed = from.map((_, i) => `:from${i}`)
    from.forEach((status, i) => {
      values[`:from${i}`] = status
    })
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: ledgerKey.offer(kind, id) },
          UpdateExpression: `SET ${sets.join(', ')} REMOVE sweepPk, sweepAt, leaseOwner, leaseUntil`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      )
      return out.Attributes as LedgerEntry
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      const current = await this.get(kind, id)
      throw new LedgerConflictError(
        current ? `Offer is ${current.status}, cannot become ${to}` : 'Offer is not in the ledger',
        current,
      )
    }
  }

  /**
   * One page of offers of `kind` in sweep partition `shard` whose sweep time is at or before `cutoff`, oldest first.
   * Reads the sparse `bySweep` index only: no table scan.
   */
  async dueForSweep(
    kind: OfferKind,
    shard: number,
    cutoff: string,
    page: { limit?: number; startKey?: Record<string, unknown> } = {},
  ): Promise<{ items: LedgerEntry[]; nextKey?: Record<string, unknown> }> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: LedgerIndex.bySweep,
        KeyConditionExpression: 'sweepPk = :p AND sweepAt <= :cutoff',
        ExpressionAttributeValues: { ':p': ledgerKey.sweepPartition(kind, shard), ':cutoff': cutoff },
        Limit: page.limit ?? 100,
        ...(page.startKey ? { ExclusiveStartKey: page.startKey } : {}),
      }),
    )
    return { items: (out.Items ?? []) as LedgerEntry[], nextKey: out.LastEvaluatedKey }
  }

  /**
   * Takes a claim on `key` for `leaseMs`: the building block of exactly-once issuance and of the sweep's per-offer
   * and per-run leases. A claim that is `done` returns its stored result; one held by a live lease is `busy`; one
   * whose holder crashed (lease expired) or released it after a failure is acquired again with `attempt` + 1 and
   * what the previous attempt recorded.
   */
  async claim<T>(key: string, owner: string, leaseMs: number, now = new Date()): Promise<ClaimResult<T>> {
    const leaseUntil = new Date(now.getTime() + leaseMs).toISOString()
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key },
          UpdateExpression:
            'SET #state = :pending, leaseOwner = :owner, leaseUntil = :until, attempts = if_not_exists(attempts, :zero) + :one, updatedAt = :now REMOVE mayHaveReachedSparkfly',
          ConditionExpression:
            'attribute_not_exists(pk) OR (#state <> :done AND (#state <> :pending OR leaseUntil < :now))',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':done': 'done',
            ':owner': owner,
            ':until': leaseUntil,
            ':now': now.toISOString(),
            ':zero': 0,
            ':one': 1,
          },
          ReturnValues: 'ALL_OLD',
        }),
      )
      const old = out.Attributes
      const attempt = Number(old?.attempts ?? 0) + 1
      return old
        ? {
            status: 'acquired',
            attempt,
            previous: {
              state: String(old.state),
              // A holder that died (still pending) may have reached Sparkfly whatever an earlier attempt recorded.
              mayHaveReachedSparkfly: old.state === 'pending' || old.mayHaveReachedSparkfly !== false,
            },
          }
        : { status: 'acquired', attempt }
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      const current = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { pk: key }, ConsistentRead: true }),
      )
      const item = current.Item
      if (item?.state === 'done') return { status: 'done', result: item.result as T }
      return { status: 'busy', leaseUntil: String(item?.leaseUntil ?? now.toISOString()) }
    }
  }

  /** Marks a claim done with its result; later claims return the result instead of acquiring. */
  async completeClaim<T>(key: string, owner: string, result: T, now = new Date()): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: key },
        UpdateExpression: 'SET #state = :done, #result = :result, updatedAt = :now REMOVE leaseUntil',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeNames: { '#state': 'state', '#result': 'result' },
        ExpressionAttributeValues: {
          ':done': 'done',
          ':result': result,
          ':now': now.toISOString(),
          ':owner': owner,
        },
      }),
    )
  }

  /**
   * Releases a claim after a failed attempt so a retry can take it at once, recording whether the failed call may
   * have reached Sparkfly (the retry then looks the offer up before issuing again).
   */
  async releaseClaim(
    key: string,
    owner: string,
    mayHaveReachedSparkfly: boolean,
    now = new Date(),
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: key },
          UpdateExpression:
            'SET #state = :failed, mayHaveReachedSparkfly = :reached, updatedAt = :now REMOVE leaseUntil',
          ConditionExpression: 'leaseOwner = :owner AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':failed': 'failed',
            ':pending': 'pending',
            ':reached': mayHaveReachedSparkfly,
            ':now': now.toISOString(),
            ':owner': owner,
          },
        }),
      )
    } catch (error) {
      // Lost the lease to another holder meanwhile: nothing of ours to release.
      if (!isConditionFailure(error)) throw error
    }
  }

  private sweepAttributes(input: NewLedgerEntry): Pick<LedgerEntry, 'sweepPk' | 'sweepAt'> {
    const sweepAt = input.kind === OfferKind.offerState ? input.expiresAt : input.issuedAt
    if (!sweepAt) return {}
    const shard = createHash('sha1').update(input.id).digest().readUInt32BE(0) % this.sweepShards
    return { sweepPk: ledgerKey.sweepPartition(input.kind, shard), sweepAt }
  }
}

/**
 * Stores every time as UTC `toISOString()` (milliseconds, `Z`): the sweep index compares strings, so Sparkfly's
 * `2026-01-01T00:00:00+01:00` must become `2025-12-31T23:00:00.000Z` to sort where it belongs.
 */
function normalizeTimes(entry: NewLedgerEntry): NewLedgerEntry {
  const out = { ...entry }
  for (const field of ['activatesAt', 'expiresAt', 'issuedAt'] as const) {
    const value = out[field]
    if (value === undefined) continue
    const time = Date.parse(value)
    if (Number.isNaN(time)) throw new Error(`Ledger ${field} is not a date`)
    out[field] = new Date(time).toISOString()
  }
  return out
}
