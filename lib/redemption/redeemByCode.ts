import { buildOfferEvent, type OfferEventPublisher, OfferEventType } from '../events/outbound'
import { LedgerConflictError } from '../ledger/errors'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import { type LedgerEntry, LedgerStatus, OfferKind } from '../ledger/types'
import {
  type RedeemReceipt,
  RedeemRefusal,
  RedeemRefusedError,
  type RedemptionGateway,
  type SparkflyOffer,
} from './gateway'
import type { RedemptionRequest } from './request'
import {
  type OfferSource,
  type OfferView,
  type RedemptionIncident,
  type RedemptionOutcome,
  RedemptionStatus,
} from './types'

export interface RedemptionDeps {
  ledger: Pick<Ledger, 'findByCode' | 'get' | 'record' | 'transition'>
  gateway: RedemptionGateway
  publisher: OfferEventPublisher
  /** CloudEvents `source` of the events we publish. */
  eventSource: string
  /** The delivery that asked (the `webhook-id`): `sourceId` of the `offer.redeemed` event. */
  requestId: string
  /** Recorded as `changedBy` in the ledger and the event, e.g. `pos-webhook:<webhook-id>`. */
  changedBy: string
  /** Credentials older than this (from `issuedAt`) are expired, as the sweep treats them. */
  credentialMaxAgeDays: number
  now?: () => Date
  /** Told about what went wrong after Sparkfly redeemed (logs, metrics). */
  onIncident?: (incident: RedemptionIncident) => void
}

/** `sourceId` of ledger entries recorded for offers that were issued outside this project. */
export const EXTERNAL_SOURCE_ID = 'external:sparkfly'

const DAY_MS = 86_400_000

interface Candidate {
  view: OfferView
  source: OfferSource
  entry?: LedgerEntry
  createdAt?: string
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ) as T
}

function viewOfEntry(entry: LedgerEntry): OfferView {
  return compact({
    kind: entry.kind,
    id: entry.id,
    code: entry.code ?? '',
    status: entry.status,
    memberId: entry.memberId,
    memberIdentifier: entry.memberIdentifier,
    offerId: entry.offerId,
    campaignId: entry.campaignId,
    activatesAt: entry.activatesAt,
    expiresAt: entry.expiresAt,
    issuedAt: entry.issuedAt,
    redeemedAt: entry.redeemedAt,
    voidedAt: entry.voidedAt,
    expiredAt: entry.expiredAt,
    transactionId: entry.transactionId,
    storeId: entry.storeId,
  })
}

function viewOfSparkfly(offer: SparkflyOffer): OfferView {
  const status =
    offer.status === 'redeemed'
      ? LedgerStatus.redeemed
      : offer.status === 'voided'
        ? LedgerStatus.voided
        : LedgerStatus.issued
  return compact({
    kind: offer.kind,
    id: offer.id,
    code: offer.code,
    status,
    memberId: offer.memberId,
    offerId: offer.offerId,
    campaignId: offer.campaignId,
    offerName: offer.offerName,
    activatesAt: offer.activatesAt,
    expiresAt: offer.expiresAt,
    redeemedAt: offer.redeemedAt,
    voidedAt: offer.voidedAt,
  })
}

/** The offer behind `code`: the ledger first (one index read), then Sparkfly for offers issued elsewhere. */
async function findOffer(code: string, deps: RedemptionDeps): Promise<Candidate | undefined> {
  const entry = await deps.ledger.findByCode(code)
  if (entry) {
    const candidate: Candidate = { view: viewOfEntry(entry), source: 'ledger', entry }
    // An offer state is redeemed under its member: ask Sparkfly if the ledger did not keep it.
    if (entry.kind === OfferKind.offerState && !entry.memberId) {
      const found = await deps.gateway.findOfferStateByCode(code)
      if (found?.id === entry.id && found.memberId) candidate.view.memberId = found.memberId
    }
    return candidate
  }
  const found = await deps.gateway.findOfferStateByCode(code)
  return found && { view: viewOfSparkfly(found), source: 'sparkfly', createdAt: found.createdAt }
}

/** Why the offer cannot be redeemed now, judged from what we know, or undefined when it looks redeemable. */
function refusalFor(view: OfferView, now: Date, credentialMaxAgeDays: number): RedemptionStatus | undefined {
  if (view.status === LedgerStatus.redeemed) return RedemptionStatus.alreadyRedeemed
  if (view.status === LedgerStatus.voided) return RedemptionStatus.voided
  if (view.status === LedgerStatus.expired) return RedemptionStatus.expired
  const at = now.getTime()
  if (view.activatesAt && at < Date.parse(view.activatesAt)) return RedemptionStatus.notYetActive
  if (view.expiresAt && at >= Date.parse(view.expiresAt)) return RedemptionStatus.expired
  if (view.kind === OfferKind.credential && view.issuedAt) {
    if (at >= Date.parse(view.issuedAt) + credentialMaxAgeDays * DAY_MS) return RedemptionStatus.expired
  }
  return undefined
}

const REFUSAL_STATUS = {
  [RedeemRefusal.alreadyRedeemed]: RedemptionStatus.alreadyRedeemed,
  [RedeemRefusal.voided]: RedemptionStatus.voided,
  [RedeemRefusal.expired]: RedemptionStatus.expired,
  [RedeemRefusal.notYetActive]: RedemptionStatus.notYetActive,
  [RedeemRefusal.notFound]: RedemptionStatus.notFound,
} as const

const REFUSAL_VIEW_STATUS: Partial<Record<RedeemRefusal, string>> = {
  [RedeemRefusal.alreadyRedeemed]: LedgerStatus.redeemed,
  [RedeemRefusal.voided]: LedgerStatus.voided,
  [RedeemRefusal.expired]: LedgerStatus.expired,
}

/** Same POS transaction as the redemption the ledger recorded: a retry under a new webhook-id. */
const sameTransaction = (view: OfferView, request: RedemptionRequest) =>
  view.status === LedgerStatus.redeemed &&
  view.transactionId === request.transactionId &&
  (request.storeId === undefined || request.storeId === view.storeId)

/**
 * Redeems the offer behind a code scanned at the till:
 * 1. finds it (ledger `findByCode`, else Sparkfly by credential identifier for offers issued elsewhere);
 * 2. refuses with the same `not_found` when the code is unknown or belongs to another member than `memberId`
 *    (the answer never tells whether the code exists for someone else);
 * 3. answers a retry of the transaction that already redeemed it (same `transactionId`) with that redemption;
 * 4. refuses what the ledger already knows is redeemed, voided, expired or not yet active, without calling Sparkfly;
 * 5. redeems it at Sparkfly (one call); Sparkfly's own refusals win over a stale ledger;
 * 6. records the redemption in the ledger and publishes `offer.redeemed`. Once Sparkfly redeemed, the outcome is
 *    `redeemed` even if recording fails (the customer has the discount); such failures go to `onIncident`.
 *
 * Errors of the gateway other than refusals (Sparkfly 5xx, timeouts, throttling) propagate.
 */
export async function redeemByCode(
  request: RedemptionRequest,
  deps: RedemptionDeps,
): Promise<RedemptionOutcome> {
  const now = (deps.now ?? (() => new Date()))()
  const candidate = await findOffer(request.code, deps)
  if (!candidate) return { status: RedemptionStatus.notFound }
  const { view } = candidate
  if (request.memberId !== undefined && request.memberId !== view.memberId)
    return { status: RedemptionStatus.notFound }
  if (view.kind === OfferKind.offerState && !view.memberId) return { status: RedemptionStatus.notFound }

  if (candidate.entry && sameTransaction(view, request)) return replay(candidate.entry, request, deps)
  const known = refusalFor(view, now, deps.credentialMaxAgeDays)
  if (known) return { status: known, offer: view, decidedBy: 'ledger' } as RedemptionOutcome

  let receipt: RedeemReceipt
  try {
    receipt =
      view.kind === OfferKind.offerState
        ? await deps.gateway.redeemOfferState(view.memberId as string, view.id)
        : await deps.gateway.redeemCredential(view.id)
  } catch (error) {
    if (!(error instanceof RedeemRefusedError)) throw error
    return refused(error.reason, candidate, request, deps)
  }

  const redeemedAt = request.redeemedAt ?? receipt.redeemedAt ?? now.toISOString()
  const offer = await record(candidate, request, redeemedAt, deps)
  if (receipt.offerName) offer.offerName = receipt.offerName
  return {
    status: RedemptionStatus.redeemed,
    offer,
    redeemedAt,
    transactionId: request.transactionId,
    ...(request.storeId !== undefined ? { storeId: request.storeId } : {}),
    source: candidate.source,
    replayed: false,
  }
}

/** Sparkfly refused: its word wins (the ledger may be behind). A ledger offer is re-read for the current state. */
async function refused(
  reason: RedeemRefusal,
  candidate: Candidate,
  request: RedemptionRequest,
  deps: RedemptionDeps,
): Promise<RedemptionOutcome> {
  const status = REFUSAL_STATUS[reason]
  if (status === RedemptionStatus.notFound) return { status }
  let view = candidate.view
  if (candidate.entry) {
    deps.onIncident?.({ kind: 'stale_ledger', offer: { kind: view.kind, id: view.id } })
    // The index read may have lagged a redemption by this same transaction (a retry under a new webhook-id).
    const fresh = await deps.ledger.get(view.kind, view.id)
    if (fresh) {
      if (reason === RedeemRefusal.alreadyRedeemed && sameTransaction(viewOfEntry(fresh), request)) {
        return replay(fresh, request, deps)
      }
      view = viewOfEntry(fresh)
    }
  }
  const overridden = REFUSAL_VIEW_STATUS[reason]
  return {
    status,
    offer: overridden && view.status === LedgerStatus.issued ? { ...view, status: overridden } : view,
    decidedBy: 'sparkfly',
  } as RedemptionOutcome
}

/** The answer of the redemption `entry` already holds for this transaction; its event is published again. */
async function replay(
  entry: LedgerEntry,
  request: RedemptionRequest,
  deps: RedemptionDeps,
): Promise<RedemptionOutcome> {
  const redeemedAt = entry.redeemedAt ?? entry.updatedAt
  await publish(entry, redeemedAt, deps)
  return {
    status: RedemptionStatus.redeemed,
    offer: viewOfEntry(entry),
    redeemedAt,
    transactionId: request.transactionId,
    ...(entry.storeId !== undefined ? { storeId: entry.storeId } : {}),
    source: 'ledger',
    replayed: true,
  }
}

async function publish(entry: LedgerEntry, redeemedAt: string, deps: RedemptionDeps): Promise<void> {
  const event = buildOfferEvent(OfferEventType.redeemed, entry, deps.eventSource, {
    sourceId: deps.requestId,
    changedBy: entry.changedBy ?? deps.changedBy,
    occurredAt: redeemedAt,
  })
  try {
    await deps.publisher.publish(event)
  } catch {
    // One more try: the event id is deterministic, consumers drop a duplicate.
    try {
      await deps.publisher.publish(event)
    } catch (error) {
      deps.onIncident?.({ kind: 'event_publish_failed', offer: { kind: entry.kind, id: entry.id }, error })
    }
  }
}

/**
 * Records the redemption (offers issued elsewhere are recorded first, then moved to `redeemed`) and publishes
 * `offer.redeemed`; ledger write and publish run side by side. Returns the offer as it now is.
 */
async function record(
  candidate: Candidate,
  request: RedemptionRequest,
  redeemedAt: string,
  deps: RedemptionDeps,
): Promise<OfferView> {
  const { view } = candidate
  const base: LedgerEntry = candidate.entry ?? {
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
  const after: LedgerEntry = {
    ...base,
    status: LedgerStatus.redeemed,
    redeemedAt,
    updatedAt: redeemedAt,
    transactionId: request.transactionId,
    changedBy: deps.changedBy,
    ...(view.memberId && !base.memberId ? { memberId: view.memberId } : {}),
    ...(request.storeId !== undefined ? { storeId: request.storeId } : {}),
  }
  delete after.sweepPk
  delete after.sweepAt

  const write = async () => {
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
  await Promise.all([write(), publish(after, redeemedAt, deps)])
  const result = viewOfEntry(after)
  if (view.offerName) result.offerName = view.offerName
  return result
}
