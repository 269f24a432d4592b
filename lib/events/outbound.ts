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

/** SendMessageBatch takes at most 10 entries. */
const SQS_BATCH_LIMIT = 10

interface Pending {
  event: OfferCloudEvent
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Publishes CloudEvents to the outbound SQS queue, with the type as a message attribute for filtering.
 *
 * Publishes made in the same turn of the event loop (the records of one SQS batch finishing together) go out as one
 * `SendMessageBatch` of up to 10, so a batch of issuances costs one SQS request instead of ten. Each `publish` still
 * resolves only once its own message is accepted and rejects with that message's failure, so a caller that awaits it
 * (issuance completes its claim only after the event is out) keeps its guarantees. A lone publish is a plain
 * `SendMessage`, sent on the next turn.
 */
export class SqsOfferEventPublisher implements OfferEventPublisher {
  private pending: Pending[] = []
  private scheduled = false

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

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
    for (let start = 0; start < pending.length; start += SQS_BATCH_LIMIT) {
      void this.send(pending.slice(start, start + SQS_BATCH_LIMIT))
    }
  }

  private async send(chunk: Pending[]): Promise<void> {
    try {
      if (chunk.length === 1) {
        const [only] = chunk as [Pending]
        await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, ...message(only.event) }))
        only.resolve()
        return
      }
      const { Successful = [], Failed = [] } = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((entry, index) => ({ Id: String(index), ...message(entry.event) })),
        }),
      )
      const failed = new Map(Failed.map((f) => [f.Id, f]))
      const succeeded = new Set(Successful.map((s) => s.Id))
      chunk.forEach((entry, index) => {
        const failure = failed.get(String(index))
        if (failure) {
          entry.reject(
            new OfferEventPublishError(
              `SQS refused offer event ${entry.event.id}: ${failure.Code ?? 'unknown'}`,
              {
                senderFault: failure.SenderFault === true,
              },
            ),
          )
        } else if (succeeded.has(String(index))) entry.resolve()
        else entry.reject(new OfferEventPublishError(`SQS did not report offer event ${entry.event.id}`))
      })
    } catch (error) {
      for (const entry of chunk) entry.reject(error)
    }
  }
}

/** One offer event that SQS did not accept (from a batch); retryable unless SQS blamed the sender. */
export class OfferEventPublishError extends Error {
  readonly retryable: boolean
  constructor(message: string, options: { senderFault?: boolean } = {}) {
    super(message)
    this.name = 'OfferEventPublishError'
    this.retryable = options.senderFault !== true
  }
}

function message(event: OfferCloudEvent) {
  return {
    MessageBody: JSON.stringify(event),
    MessageAttributes: {
      'ce-type': { DataType: 'String', StringValue: event.type },
      'ce-id': { DataType: 'String', StringValue: event.id },
      'content-type': { DataType: 'String', StringValue: 'application/cloudevents+json' },
    },
  }
}
