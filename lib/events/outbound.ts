import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
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

/**
 * Publishes CloudEvents to the outbound SQS queue, with the type as a message attribute for filtering.
 */
export class SqsOfferEventPublisher implements OfferEventPublisher {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async publish(event: OfferCloudEvent): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          'ce-type': { DataType: 'String', StringValue: event.type },
          'ce-id': { DataType: 'String', StringValue: event.id },
          'content-type': { DataType: 'String', StringValue: 'application/cloudevents+json' },
        },
      }),
    )
  }
}
