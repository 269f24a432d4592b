import { buildOfferEvent, OfferEventType } from '../events/outbound'
import { LedgerConflictError } from '../ledger/errors'
import { ledgerKey } from '../ledger/Ledger'
import { type LedgerEntry, LedgerStatus } from '../ledger/types'
import { compact } from '../offers'
import type { RedemptionRequest } from './request'
import type { Candidate, OfferView, RedemptionDeps } from './types'
import { viewOfEntry } from './views'

/** `sourceId` of ledger entries recorded for offers that were issued outside this project. */
export const EXTERNAL_SOURCE_ID = 'external:sparkfly'

/**
 * Publishes `offer.redeemed` for `entry`, once more on failure (the event id is deterministic, consumers drop a
 * duplicate); a second failure goes to `onIncident`, never to the caller.
 */
export async function publishRedeemed(
  entry: LedgerEntry,
  redeemedAt: string,
  deps: RedemptionDeps,
): Promise<void> {
  const event = buildOfferEvent(OfferEventType.redeemed, entry, deps.eventSource, {
    sourceId: deps.requestId,
    changedBy: entry.changedBy ?? deps.changedBy,
    occurredAt: redeemedAt,
  })
  try {
    await deps.publisher.publish(event)
  } catch {
    try {
      await deps.publisher.publish(event)
    } catch (error) {
      deps.onIncident?.({ kind: 'event_publish_failed', offer: { kind: entry.kind, id: entry.id }, error })
    }
  }
}

/** The ledger entry of an offer issued elsewhere, as first recorded (then moved to `redeemed`). */
function externalEntry(candidate: Candidate, redeemedAt: string): LedgerEntry {
  const { view } = candidate
  return {
    pk: ledgerKey.offer(view.kind, view.id),
    kind: view.kind,
    id: view.id,
    status: LedgerStatus.issued,
    sourceId: EXTERNAL_SOURCE_ID,
    issuedAt: candidate.createdAt ?? redeemedAt,
    updatedAt: redeemedAt,
    ...compact({
      code: view.code,
      memberId: view.memberId,
      offerId: view.offerId,
      campaignId: view.campaignId,
      activatesAt: view.activatesAt,
      expiresAt: view.expiresAt,
    }),
  }
}

/** The entry as it is once redeemed by `request` (what the event carries). */
function redeemedEntry(
  base: LedgerEntry,
  view: OfferView,
  request: RedemptionRequest,
  redeemedAt: string,
  changedBy: string,
): LedgerEntry {
  const after: LedgerEntry = {
    ...base,
    status: LedgerStatus.redeemed,
    redeemedAt,
    updatedAt: redeemedAt,
    transactionId: request.transactionId,
    changedBy,
    ...(view.memberId && !base.memberId ? { memberId: view.memberId } : {}),
    ...(request.storeId !== undefined ? { storeId: request.storeId } : {}),
  }
  delete after.sweepPk
  delete after.sweepAt
  return after
}

/** Writes the redemption to the ledger; failures (conflict, DynamoDB down) go to `onIncident`, never to the caller. */
async function writeRedemption(
  candidate: Candidate,
  base: LedgerEntry,
  request: RedemptionRequest,
  redeemedAt: string,
  deps: RedemptionDeps,
): Promise<void> {
  const { view } = candidate
  try {
    if (!candidate.entry) {
      const { pk: _pk, status: _status, updatedAt: _updatedAt, ...fresh } = base
      await deps.ledger.record(fresh)
    }
    await deps.ledger.transition(view.kind, view.id, LedgerStatus.redeemed, {
      at: redeemedAt,
      transactionId: request.transactionId,
      changedBy: deps.changedBy,
      ...(request.storeId !== undefined ? { storeId: request.storeId } : {}),
    })
  } catch (error) {
    const kind = error instanceof LedgerConflictError ? 'ledger_conflict' : 'ledger_write_failed'
    deps.onIncident?.({ kind, offer: { kind: view.kind, id: view.id }, error })
  }
}

/** The redemption Sparkfly made, as answered at once, and the writes that record it (run beside other writes). */
export interface PendingRecord {
  /** The offer as it is once recorded. */
  offer: OfferView
  /** Records it in the ledger and publishes `offer.redeemed`, side by side; never throws (incidents instead). */
  write: () => Promise<void>
}

/**
 * Prepares the record of the redemption Sparkfly made (offers issued elsewhere are recorded first, then moved to
 * `redeemed`) and of its `offer.redeemed` event; the caller runs `write` (ledger write and publish side by side).
 */
export function prepareRecord(
  candidate: Candidate,
  request: RedemptionRequest,
  redeemedAt: string,
  deps: RedemptionDeps,
): PendingRecord {
  const base = candidate.entry ?? externalEntry(candidate, redeemedAt)
  const after = redeemedEntry(base, candidate.view, request, redeemedAt, deps.changedBy)
  const offer = viewOfEntry(after)
  if (candidate.view.offerName) offer.offerName = candidate.view.offerName
  return {
    offer,
    write: async () => {
      await Promise.all([
        writeRedemption(candidate, base, request, redeemedAt, deps),
        publishRedeemed(after, redeemedAt, deps),
      ])
    },
  }
}
