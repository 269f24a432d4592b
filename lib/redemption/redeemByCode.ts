import type { LedgerEntry } from '../ledger/types'
import { LedgerStatus, OfferKind } from '../ledger/types'
import { type OfferRef, RedeemRefusal } from '../offers'
import { publishRedeemed, recordRedemption } from './record'
import type { RedemptionRequest } from './request'
import {
  type Candidate,
  type OfferView,
  type RedemptionDeps,
  type RedemptionOutcome,
  RedemptionStatus,
} from './types'
import { viewOfEntry, viewOfOffer } from './views'

const DAY_MS = 86_400_000

/** The offer behind `code`: the ledger first (one index read), then Sparkfly for offers issued elsewhere. */
async function findOffer(code: string, deps: RedemptionDeps): Promise<Candidate | undefined> {
  const entry = await deps.ledger.findByCode(code)
  if (entry) {
    const candidate: Candidate = { view: viewOfEntry(entry), source: 'ledger', entry }
    // An offer state is redeemed under its member: ask Sparkfly if the ledger did not keep it.
    if (entry.kind === OfferKind.offerState && !entry.memberId) {
      const found = await deps.offers.findByCode(code)
      if (found?.id === entry.id && found.memberId) candidate.view.memberId = found.memberId
    }
    return candidate
  }
  const found = await deps.offers.findByCode(code)
  return found && { view: viewOfOffer(found, code), source: 'sparkfly', createdAt: found.createdAt }
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

const REFUSAL_VIEW_STATUS: Partial<Record<RedeemRefusal, LedgerStatus>> = {
  [RedeemRefusal.alreadyRedeemed]: LedgerStatus.redeemed,
  [RedeemRefusal.voided]: LedgerStatus.voided,
  [RedeemRefusal.expired]: LedgerStatus.expired,
}

/** Same POS transaction as the redemption the ledger recorded: a retry under a new webhook-id. */
const sameTransaction = (view: OfferView, request: RedemptionRequest) =>
  view.status === LedgerStatus.redeemed &&
  view.transactionId === request.transactionId &&
  (request.storeId === undefined || request.storeId === view.storeId)

/** How the offers port reaches the offer: a credential by id, an offer state by id under its member. */
const refOf = (view: OfferView): OfferRef =>
  view.kind === OfferKind.offerState
    ? { kind: view.kind, id: view.id, memberId: view.memberId }
    : { kind: view.kind, id: view.id }

/**
 * Redeems the offer behind a code scanned at the till:
 * 1. finds it (ledger `findByCode`, else the offers port by code for offers issued elsewhere);
 * 2. refuses with the same `not_found` when the code is unknown or belongs to another member than `memberId`
 *    (the answer never tells whether the code exists for someone else);
 * 3. answers a retry of the transaction that already redeemed it (same `transactionId`) with that redemption;
 * 4. refuses what the ledger already knows is redeemed, voided, expired or not yet active, without calling Sparkfly;
 * 5. redeems it at Sparkfly (one call); Sparkfly's own refusals win over a stale ledger;
 * 6. records the redemption in the ledger and publishes `offer.redeemed`. Once Sparkfly redeemed, the outcome is
 *    `redeemed` even if recording fails (the customer has the discount); such failures go to `onIncident`.
 *
 * Failures of the offers port (Sparkfly 5xx, timeouts, throttling) propagate; read them with `callFailure`.
 *
 * @example
 * const outcome = await redeemByCode({ code: 'K7Q2M9XR4T', transactionId: 'T-1001' }, deps)
 * if (outcome.status === RedemptionStatus.redeemed) applyDiscount()
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

  const result = await deps.offers.redeem(refOf(view))
  if (result.outcome === 'refused') return refused(result.reason, candidate, request, deps)

  const redeemedAt = request.redeemedAt ?? result.redeemedAt ?? now.toISOString()
  const offer = await recordRedemption(candidate, request, redeemedAt, deps)
  if (result.offerName) offer.offerName = result.offerName
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
  await publishRedeemed(entry, redeemedAt, deps)
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
