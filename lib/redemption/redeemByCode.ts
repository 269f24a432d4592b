import type { LedgerEntry } from '../ledger/types'
import { LedgerStatus, OfferKind } from '../ledger/types'
import { type Offer, type OfferRef, OfferStatus, RedeemRefusal } from '../offers'
import { prepareRecord, publishRedeemed } from './record'
import type { RedemptionRequest } from './request'
import {
  type Candidate,
  type EarlierAttempt,
  type OfferView,
  type RedemptionDeps,
  type RedemptionOutcome,
  RedemptionStatus,
} from './types'
import { viewOfEntry, viewOfOffer } from './views'

const DAY_MS = 86_400_000

/** The offer behind `code`: the ledger first (one index read, unless done already), then Sparkfly for offers issued elsewhere. */
async function findOffer(
  code: string,
  deps: RedemptionDeps,
  prefetched?: { entry?: LedgerEntry },
): Promise<Candidate | undefined> {
  const entry = prefetched ? prefetched.entry : await deps.ledger.findByCode(code)
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

/** What a redemption came to, and the writes that record it (run beside the caller's own write). */
export interface Decision {
  outcome: RedemptionOutcome
  /** Records the outcome (ledger, `offer.redeemed`); never throws, failures go to `onIncident`. */
  record?: () => Promise<void>
}

/** What the caller knows already: the ledger's answer for the code, and what earlier deliveries left. */
export interface Known {
  /** The ledger's `findByCode` answer, when the caller read it already. */
  prefetched?: { entry?: LedgerEntry }
  /** An earlier delivery of this POS transaction may have redeemed (`unknown`), or was refused. */
  earlier?: EarlierAttempt
}

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
  const decision = await decideRedemption(request, deps)
  await decision.record?.()
  return decision.outcome
}

/**
 * {@link redeemByCode}'s decision without running its writes. When an earlier delivery of the same transaction may
 * have redeemed (`known.earlier` is `unknown`: its answer was lost), the offer is looked up at Sparkfly before
 * redeeming, and Sparkfly's "redeemed" / "already redeemed" is that delivery's redemption: it is recorded and
 * answered as redeemed (`replayed`), never as a 409 to the till that made it.
 */
export async function decideRedemption(
  request: RedemptionRequest,
  deps: RedemptionDeps,
  known: Known = {},
): Promise<Decision> {
  const now = (deps.now ?? (() => new Date()))()
  const candidate = await findOffer(request.code, deps, known.prefetched)
  if (!candidate) return { outcome: { status: RedemptionStatus.notFound } }
  const { view } = candidate
  if (request.memberId !== undefined && request.memberId !== view.memberId)
    return { outcome: { status: RedemptionStatus.notFound } }
  if (view.kind === OfferKind.offerState && !view.memberId)
    return { outcome: { status: RedemptionStatus.notFound } }

  if (candidate.entry && sameTransaction(view, request)) return replay(candidate.entry, request, deps)
  const mayHaveRedeemed = known.earlier === 'unknown'
  if (mayHaveRedeemed) {
    const recovered = await recoverEarlier(candidate, request, deps)
    if (recovered) return recovered
  }
  const refusal = refusalFor(view, now, deps.credentialMaxAgeDays)
  if (refusal) return { outcome: { status: refusal, offer: view, decidedBy: 'ledger' } as RedemptionOutcome }

  const result = await deps.offers.redeem(refOf(view))
  if (result.outcome === 'refused') {
    if (result.reason === RedeemRefusal.alreadyRedeemed && mayHaveRedeemed) {
      return redeemed(candidate, request, { replayed: true }, deps)
    }
    return refused(result.reason, candidate, request, deps)
  }
  return redeemed(
    candidate,
    request,
    { at: result.redeemedAt, offerName: result.offerName, replayed: false },
    deps,
  )
}

/**
 * The look-up when an earlier delivery's outcome is unknown: the offer as Sparkfly holds it now. Redeemed there
 * while the ledger still holds it issued (or it is not in the ledger) means that delivery redeemed it: recorded and
 * answered as redeemed. Undefined when it is still open (then it is redeemed now) or the ledger knows better.
 */
async function recoverEarlier(
  candidate: Candidate,
  request: RedemptionRequest,
  deps: RedemptionDeps,
): Promise<Decision | undefined> {
  const { view } = candidate
  if (view.status !== LedgerStatus.issued && candidate.source === 'ledger') return undefined
  let current: Pick<Offer, 'status' | 'redeemedAt'> | undefined
  if (candidate.source === 'sparkfly') {
    current = { status: view.status === LedgerStatus.redeemed ? OfferStatus.redeemed : OfferStatus.open }
    if (view.redeemedAt) current.redeemedAt = view.redeemedAt
  } else {
    current = await deps.offers.get(refOf(view))
  }
  if (current?.status !== OfferStatus.redeemed) return undefined
  return redeemed(candidate, request, { at: current.redeemedAt, replayed: true }, deps)
}

/** The outcome of a redemption Sparkfly made for this transaction (now, or by an earlier delivery), to record. */
function redeemed(
  candidate: Candidate,
  request: RedemptionRequest,
  how: { at?: string; offerName?: string; replayed: boolean },
  deps: RedemptionDeps,
): Decision {
  const now = (deps.now ?? (() => new Date()))()
  const redeemedAt = request.redeemedAt ?? how.at ?? now.toISOString()
  const pending = prepareRecord(candidate, request, redeemedAt, deps)
  if (how.offerName) pending.offer.offerName = how.offerName
  return {
    outcome: {
      status: RedemptionStatus.redeemed,
      offer: pending.offer,
      redeemedAt,
      transactionId: request.transactionId,
      ...(request.storeId !== undefined ? { storeId: request.storeId } : {}),
      source: candidate.source,
      replayed: how.replayed,
    },
    record: pending.write,
  }
}

/** Sparkfly refused: its word wins (the ledger may be behind). A ledger offer is re-read for the current state. */
async function refused(
  reason: RedeemRefusal,
  candidate: Candidate,
  request: RedemptionRequest,
  deps: RedemptionDeps,
): Promise<Decision> {
  const status = REFUSAL_STATUS[reason]
  if (status === RedemptionStatus.notFound) return { outcome: { status } }
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
    outcome: {
      status,
      offer: overridden && view.status === LedgerStatus.issued ? { ...view, status: overridden } : view,
      decidedBy: 'sparkfly',
    } as RedemptionOutcome,
  }
}

/** The answer of the redemption `entry` already holds for this transaction; its event is published again. */
function replay(entry: LedgerEntry, request: RedemptionRequest, deps: RedemptionDeps): Decision {
  const redeemedAt = entry.redeemedAt ?? entry.updatedAt
  return {
    outcome: {
      status: RedemptionStatus.redeemed,
      offer: viewOfEntry(entry),
      redeemedAt,
      transactionId: request.transactionId,
      ...(entry.storeId !== undefined ? { storeId: entry.storeId } : {}),
      source: 'ledger',
      replayed: true,
    },
    record: () => publishRedeemed(entry, redeemedAt, deps),
  }
}
