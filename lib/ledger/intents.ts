import { randomUUID } from 'node:crypto'
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { ledgerKey } from './Ledger'
import type { LedgerEntry, OfferKind } from './types'

// Intents: what a request recorded before an unsafe Sparkfly call, so that a retry after a lost answer can tell its
// own effect from someone else's. Kept apart from the ledger's issuance claims (Ledger.ts).

const isConditionFailure = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const epochSeconds = (at: Date) => Math.floor(at.getTime() / 1000)

/** Keys of intent items in the idempotency table (attribute `id`). */
export const intentKey = {
  /** One POS delivery (its `webhook-id`): the idempotency record. */
  delivery: (webhookId: string) => `redemption#delivery#${webhookId}`,
  /** Every delivery of one POS transaction for one code. `code` and `transactionId` never hold a `#`. */
  transaction: (code: string, transactionId: string) => `redemption#intent#${code}#${transactionId}`,
} as const

/** A delivery claimed by this attempt: pass it back to {@link RedemptionIntents.completeDelivery}. */
export interface DeliveryLease {
  webhookId: string
  owner: string
}

/** The outcome of claiming a delivery. */
export type DeliveryClaim<T> =
  | { status: 'acquired'; lease: DeliveryLease; attempt: number }
  | { status: 'answered'; answer: T }
  | { status: 'busy' }
  | { status: 'reused' }

/**
 * What earlier deliveries of the same POS transaction recorded for the same code, before this one: which deliveries
 * tried, and how the last one that finished ended (`refused`), or nothing when its outcome is unknown (it may have
 * redeemed, its answer lost).
 */
export interface EarlierIntent {
  deliveries: string[]
  outcome?: 'refused'
}

export interface RedemptionIntentsOptions {
  /** The idempotency table (hash key `id`, TTL attribute `expiration`). */
  tableName: string
  client: DynamoDBDocumentClient
  /** How long a delivery's answer is replayed (default 24 h). */
  keepSeconds?: number
}

/**
 * The POS webhook's delivery records and redemption intents, on DynamoDB, one conditional write each:
 * - a delivery (`webhook-id`) is claimed before anything else: its first attempt runs, a retry gets its stored
 *   answer, a concurrent one waits, the same id with another body is refused;
 * - a transaction's intent (code + `transactionId`) is noted beside the claim, before Sparkfly is called, so a later
 *   delivery of the same transaction (same or new `webhook-id`) knows an earlier one may have redeemed.
 *
 * @example
 * const intents = new RedemptionIntents({ tableName: 'idempotency', client: dynamoDocumentClient() })
 * const claim = await intents.claimDelivery('msg_1', fingerprint, { leaseMs: 10_000 })
 */
export class RedemptionIntents<T = unknown> {
  private readonly tableName: string
  private readonly client: DynamoDBDocumentClient
  private readonly keepSeconds: number

  constructor(options: RedemptionIntentsOptions) {
    this.tableName = options.tableName
    this.client = options.client
    this.keepSeconds = options.keepSeconds ?? 24 * 3600
  }

  /**
   * Claims delivery `webhookId` for `leaseMs`. A delivery already answered returns its answer; one held by a live
   * attempt is `busy` after waiting up to `waitMs` for its answer; one with another `fingerprint` is `reused`. A
   * delivery whose attempt failed (released) or died (lease over) is acquired again.
   */
  async claimDelivery(
    webhookId: string,
    fingerprint: string,
    options: { leaseMs: number; waitMs?: number; now?: () => Date },
  ): Promise<DeliveryClaim<T>> {
    const now = options.now ?? (() => new Date())
    const deadline = Date.now() + (options.waitMs ?? 5_000)
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const claim = await this.tryClaim(webhookId, fingerprint, options.leaseMs, now())
      if (claim.status !== 'busy' || Date.now() + delay > deadline) return claim
      await sleep(delay)
    }
  }

  private async tryClaim(
    webhookId: string,
    fingerprint: string,
    leaseMs: number,
    now: Date,
  ): Promise<DeliveryClaim<T>> {
    const owner = randomUUID()
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: intentKey.delivery(webhookId) },
          UpdateExpression:
            'SET #state = :started, #owner = :owner, leaseUntil = :until, fingerprint = :fp, expiration = :exp ADD attempts :one REMOVE answer',
          ConditionExpression:
            'attribute_not_exists(id) OR expiration < :nowSeconds OR (fingerprint = :fp AND #state <> :done AND (#state <> :started OR leaseUntil < :now))',
          ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':started': 'started',
            ':done': 'done',
            ':owner': owner,
            ':until': new Date(now.getTime() + leaseMs).toISOString(),
            ':now': now.toISOString(),
            ':nowSeconds': epochSeconds(now),
            ':fp': fingerprint,
            ':exp': epochSeconds(now) + this.keepSeconds,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      return {
        status: 'acquired',
        lease: { webhookId, owner },
        attempt: Number(out.Attributes?.attempts ?? 1),
      }
    } catch (error) {
      if (!isConditionFailure(error)) throw error
      const current = await this.read(intentKey.delivery(webhookId))
      if (current?.fingerprint !== fingerprint) return current ? { status: 'reused' } : { status: 'busy' }
      if (current.state === 'done')
        return { status: 'answered', answer: JSON.parse(String(current.answer)) as T }
      return { status: 'busy' }
    }
  }

  /** Stores `answer` as the delivery's final answer (replayed to every retry); ignored if the lease was lost. */
  async completeDelivery(lease: DeliveryLease, answer: T): Promise<void> {
    await this.settleDelivery(lease, 'SET #state = :done, answer = :answer REMOVE leaseUntil', {
      ':done': 'done',
      // As JSON text: the replay is made of exactly what the first attempt answered.
      ':answer': JSON.stringify(answer),
    })
  }

  /** Releases the delivery after a failed attempt (no final answer): a retry runs again at once. */
  async releaseDelivery(lease: DeliveryLease): Promise<void> {
    await this.settleDelivery(lease, 'SET #state = :failed REMOVE leaseUntil', { ':failed': 'failed' })
  }

  private async settleDelivery(
    lease: DeliveryLease,
    update: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: intentKey.delivery(lease.webhookId) },
          UpdateExpression: update,
          ConditionExpression: '#owner = :owner AND #state = :started',
          ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
          ExpressionAttributeValues: { ...values, ':owner': lease.owner, ':started': 'started' },
        }),
      )
    } catch (error) {
      // Another attempt took the delivery over (this one outlived its lease): its answer wins.
      if (!isConditionFailure(error)) throw error
    }
  }

  /**
   * Notes that delivery `webhookId` is about to redeem `code` for POS transaction `transactionId`, and returns what
   * earlier deliveries of that transaction noted (undefined when this is the first). The outcome of the last
   * finished delivery is cleared: this one's is unknown until it settles.
   */
  async noteIntent(
    code: string,
    transactionId: string,
    webhookId: string,
    now = new Date(),
  ): Promise<EarlierIntent | undefined> {
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id: intentKey.transaction(code, transactionId) },
        UpdateExpression:
          'SET expiration = :exp, firstAt = if_not_exists(firstAt, :now) ADD deliveries :me REMOVE outcome',
        ExpressionAttributeValues: {
          ':exp': epochSeconds(now) + this.keepSeconds,
          ':now': now.toISOString(),
          ':me': new Set([webhookId]),
        },
        ReturnValues: 'ALL_OLD',
      }),
    )
    return earlierOf(out.Attributes)
  }

  /** Records that the transaction's last delivery was refused (nothing redeemed for it). */
  async settleIntent(code: string, transactionId: string, outcome: 'refused'): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: intentKey.transaction(code, transactionId) },
          UpdateExpression: 'SET outcome = :outcome',
          ConditionExpression: 'attribute_exists(id)',
          ExpressionAttributeValues: { ':outcome': outcome },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error
      })
  }

  /**
   * Undoes {@link noteIntent} for a delivery that did not run (answered before, busy or reused): the item is
   * deleted when this delivery created it, else the earlier outcome is put back.
   */
  async restoreIntent(
    code: string,
    transactionId: string,
    earlier: EarlierIntent | undefined,
  ): Promise<void> {
    const Key = { id: intentKey.transaction(code, transactionId) }
    if (!earlier) {
      await this.client
        .send(
          new DeleteCommand({
            TableName: this.tableName,
            Key,
            ConditionExpression: 'size(deliveries) = :one',
            ExpressionAttributeValues: { ':one': 1 },
          }),
        )
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error
        })
      return
    }
    if (earlier.outcome) await this.settleIntent(code, transactionId, earlier.outcome)
  }

  private async read(id: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    )
    return out.Item
  }
}

function earlierOf(item: Record<string, unknown> | undefined): EarlierIntent | undefined {
  if (!item) return undefined
  const deliveries = item.deliveries instanceof Set ? [...(item.deliveries as Set<string>)] : []
  return item.outcome === 'refused' ? { deliveries, outcome: 'refused' } : { deliveries }
}

/** What a staff void recorded on the offer's ledger entry just before calling Sparkfly. */
export interface VoidIntent {
  /** Identifies the request: its `Idempotency-Key` (with who and where), or who, what and why. */
  requestKey: string
  /** The request's id (`sourceId` of its `offer.voided`), who sent it and why. */
  requestId: string
  changedBy: string
  reason: string
  at: string
}

/** A ledger entry with the void intent a request recorded on it, if any. */
export type EntryWithVoidIntent = LedgerEntry & { voidIntent?: VoidIntent }

/**
 * Records on the offer's ledger entry (still `issued`) that `intent`'s request is about to void it at Sparkfly, so
 * a retry of that request after a lost answer recognises Sparkfly's "already voided" as its own void. Answers false
 * when the entry is no longer issued.
 */
export async function noteVoidIntent(
  ledger: { tableName: string; client: DynamoDBDocumentClient },
  offer: { kind: OfferKind; id: string },
  intent: VoidIntent,
): Promise<boolean> {
  try {
    await ledger.client.send(
      new UpdateCommand({
        TableName: ledger.tableName,
        Key: { pk: ledgerKey.offer(offer.kind, offer.id) },
        UpdateExpression: 'SET voidIntent = :intent',
        ConditionExpression: 'attribute_exists(pk) AND #status = :issued',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':intent': intent, ':issued': 'issued' },
      }),
    )
    return true
  } catch (error) {
    if (!isConditionFailure(error)) throw error
    return false
  }
}
