import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import type { LedgerEntry } from '../ledger/types'

/** Types of the offer events the project publishes (contracts §6). */
export const OfferEventType = {
  issued: 'offer.issued',
  redeemed: 'offer.redeemed',
  voided: 'offer.voided',
  expired: 'offer.expired',
} as const
export type OfferEventType = (typeof OfferEventType)[keyof typeof OfferEventType]

/** The `data` of an offer event. */
export interface OfferEventData {
  offer: {
    kind: LedgerEntry['kind']
    id: string
    code?: string
    status: LedgerEntry['status']
    activatesAt?: string
    expiresAt?: string
  }
  member: { id?: string; identifier?: string }
  campaignId?: string
  offerId?: string
  /** The loyalty event or request that caused this change. */
  sourceId: string
  /** Why it happened (voids and expiries). */
  reason?: string
  transactionId?: string
  storeId?: string
  changedBy?: string
  /** When the change happened in Sparkfly / the ledger. */
  occurredAt: string
}

/** A CloudEvents 1.0 structured-mode event. */
export interface OfferCloudEvent {
  specversion: '1.0'
  id: string
  source: string
  type: OfferEventType
  subject: string
  time: string
  datacontenttype: 'application/json'
  data: OfferEventData
}

/**
 * Builds the CloudEvent for a state change of `entry`. The event id is deterministic (`<type>:<ledger key>`): an
 * offer changes to each state at most once, so a retried publish carries the same id and consumers deduplicate on it.
 */
export function buildOfferEvent(
  type: OfferEventType,
  entry: LedgerEntry,
  source: string,
  extra: { sourceId?: string; reason?: string; changedBy?: string; occurredAt?: string } = {},
): OfferCloudEvent {
  const occurredAt = extra.occurredAt ?? entry.updatedAt
  const data: OfferEventData = {
    offer: {
      kind: entry.kind,
      id: entry.id,
      status: entry.status,
      ...(entry.code ? { code: entry.code } : {}),
      ...(entry.activatesAt ? { activatesAt: entry.activatesAt } : {}),
      ...(entry.expiresAt ? { expiresAt: entry.expiresAt } : {}),
    },
    member: {
      ...(entry.memberId ? { id: entry.memberId } : {}),
      ...(entry.memberIdentifier ? { identifier: entry.memberIdentifier } : {}),
    },
    sourceId: extra.sourceId ?? entry.sourceId,
    occurredAt,
    ...(entry.campaignId ? { campaignId: entry.campaignId } : {}),
    ...(entry.offerId ? { offerId: entry.offerId } : {}),
    ...((extra.reason ?? entry.voidReason) ? { reason: extra.reason ?? entry.voidReason } : {}),
    ...(entry.transactionId ? { transactionId: entry.transactionId } : {}),
    ...(entry.storeId ? { storeId: entry.storeId } : {}),
    ...((extra.changedBy ?? entry.changedBy) ? { changedBy: extra.changedBy ?? entry.changedBy } : {}),
  }
  return {
    specversion: '1.0',
    id: `${type}:${entry.pk}`,
    source,
    type,
    subject: entry.pk,
    time: occurredAt,
    datacontenttype: 'application/json',
    data,
  }
}

/** Publishes offer events; the domain depends on this interface, not on SQS. */
export interface OfferEventPublisher {
  publish(event: OfferCloudEvent): Promise<void>
}

/** SendMessageBatch and PublishBatch take at most 10 entries. */
const BATCH_LIMIT = 10

interface Pending {
  event: OfferCloudEvent
  resolve: () => void
  reject: (error: unknown) => void
}

/** One entry of a batch the service refused: its code and whether the service blamed the sender. */
export interface BatchEntryFailure {
  code?: string
  senderFault?: boolean
}

/** What a batch send reports per entry id (ids are the entries' positions as strings). */
export interface BatchOutcome {
  succeeded: ReadonlySet<string>
  failed: ReadonlyMap<string, BatchEntryFailure>
}

/**
 * Coalesces offer events into batches for a messaging service (SQS queue or SNS topic).
 *
 * Publishes made in the same turn of the event loop (the records of one SQS batch finishing together) go out as one
 * batch request of up to 10, so a batch of issuances costs one request instead of ten. Each `publish` still resolves
 * only once its own message is accepted and rejects with that message's failure, so a caller that awaits it
 * (issuance completes its claim only after the event is out) keeps its guarantees. A lone publish is a single-message
 * request, sent on the next turn.
 */
export abstract class BatchingOfferEventPublisher implements OfferEventPublisher {
  private pending: Pending[] = []
  private scheduled = false

  /** Service name used in error messages (`SQS`, `SNS`). */
  protected abstract readonly service: string
  /** Sends one event. */
  protected abstract sendOne(event: OfferCloudEvent): Promise<void>
  /** Sends 2..10 events; `id` of each entry is its position as a string. */
  protected abstract sendBatch(entries: { id: string; event: OfferCloudEvent }[]): Promise<BatchOutcome>

  publish(event: OfferCloudEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ event, resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush(): void {
    this.scheduled = false
    const pending = this.pending
    this.pending = []
    for (let start = 0; start < pending.length; start += BATCH_LIMIT) {
      void this.send(pending.slice(start, start + BATCH_LIMIT))
    }
  }

  private async send(chunk: Pending[]): Promise<void> {
    try {
      if (chunk.length === 1) {
        const [only] = chunk as [Pending]
        await this.sendOne(only.event)
        only.resolve()
        return
      }
      const { succeeded, failed } = await this.sendBatch(
        chunk.map((entry, index) => ({ id: String(index), event: entry.event })),
      )
      chunk.forEach((entry, index) => {
        const failure = failed.get(String(index))
        if (failure) {
          const code = failure.code ?? 'unknown'
          entry.reject(
            new OfferEventPublishError(`${this.service} refused offer event ${entry.event.id}: ${code}`, {
              senderFault: failure.senderFault === true,
            }),
          )
        } else if (succeeded.has(String(index))) entry.resolve()
        else
          entry.reject(
            new OfferEventPublishError(`${this.service} did not report offer event ${entry.event.id}`),
          )
      })
    } catch (error) {
      for (const entry of chunk) entry.reject(error)
    }
  }
}

/** The outcome of a batch answer's `Successful` / `Failed` lists (same shape in SQS and SNS). */
export function batchOutcome(
  successful: readonly { Id?: string }[] = [],
  failed: readonly { Id?: string; Code?: string; SenderFault?: boolean }[] = [],
): BatchOutcome {
  return {
    succeeded: new Set(successful.map((s) => s.Id ?? '')),
    failed: new Map(failed.map((f) => [f.Id ?? '', { code: f.Code, senderFault: f.SenderFault }])),
  }
}

/**
 * Publishes CloudEvents straight to one SQS queue (no topic: a stage without `OFFER_EVENTS_TOPIC_ARN`, tools and
 * benchmarks), with the CloudEvents attributes as message attributes.
 */
export class SqsOfferEventPublisher extends BatchingOfferEventPublisher {
  protected readonly service = 'SQS'

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {
    super()
  }

  protected async sendOne(event: OfferCloudEvent): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(event),
        ...attributes(event),
      }),
    )
  }

  protected async sendBatch(entries: { id: string; event: OfferCloudEvent }[]): Promise<BatchOutcome> {
    const { Successful, Failed } = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: entries.map(({ id, event }) => ({
          Id: id,
          MessageBody: JSON.stringify(event),
          ...attributes(event),
        })),
      }),
    )
    return batchOutcome(Successful, Failed)
  }
}

/** One offer event that SQS or SNS did not accept (from a batch); retryable unless the service blamed the sender. */
export class OfferEventPublishError extends Error {
  readonly retryable: boolean
  constructor(message: string, options: { senderFault?: boolean } = {}) {
    super(message)
    this.name = 'OfferEventPublishError'
    this.retryable = options.senderFault !== true
  }
}

/**
 * The message attributes of an offer event (same shape in SQS and SNS): `ce-type` and `ce-id` for subscription filter
 * policies and deduplication, `content-type` for the structured-mode body.
 */
export function offerEventAttributes(event: OfferCloudEvent) {
  return {
    'ce-type': { DataType: 'String', StringValue: event.type },
    'ce-id': { DataType: 'String', StringValue: event.id },
    'content-type': { DataType: 'String', StringValue: 'application/cloudevents+json' },
  }
}

const attributes = (event: OfferCloudEvent) => ({ MessageAttributes: offerEventAttributes(event) })
