import type { LedgerStatus, OfferKind } from '../ledger/types'

/**
 * What to void: the same four choices for the staff API and the bulk queue. Ids are Sparkfly's, as strings of
 * digits (the ledger's vocabulary).
 */
export type VoidTarget =
  | { offerStateId: string; memberId: string }
  | { offerStateId: string; memberIdentifier: string }
  | { credentialId: string }
  | { code: string }

/** Who asked for a void and through which request. */
export interface VoidActor {
  /** Recorded in the ledger as `changedBy`: the staff member's JWT subject, or `bulk:<requestId>`. */
  changedBy: string
  /** The request that caused the void, published as the `sourceId` of `offer.voided`. */
  requestId: string
  /**
   * Identifies the request across its retries (staff: who, the route and the `Idempotency-Key`, or who, what and
   * why). When set, the void's intent is recorded on the offer before Sparkfly is called, and a retry after a lost
   * answer takes Sparkfly's "already voided" as its own void (200), not as a conflict.
   */
  requestKey?: string
}

/** Why a void was refused because of the offer's current state. */
export const VoidConflict = {
  alreadyVoided: 'already_voided',
  alreadyRedeemed: 'already_redeemed',
  expired: 'expired',
  /** A Sparkfly offer state without a member: Sparkfly's void endpoints need one. */
  noMember: 'no_member',
} as const
export type VoidConflict = (typeof VoidConflict)[keyof typeof VoidConflict]

/** Limits of the inputs, shared by the HTTP and bulk adapters and the docs. */
export const VoidLimits = {
  reasonMaxLength: 500,
  codeMaxLength: 128,
  memberIdentifierMaxLength: 255,
  requestIdMaxLength: 128,
  idempotencyKeyMaxLength: 255,
} as const

/** An offer as the staff API and the bulk outcome show it (never a secret: ids, codes, states, times). */
export interface OfferView {
  kind: OfferKind
  id: string
  status: LedgerStatus
  code?: string
  member: { id?: string; identifier?: string }
  campaignId?: string
  offerId?: string
  activatesAt?: string
  expiresAt?: string
  redeemedAt?: string
  voidedAt?: string
  expiredAt?: string
  /** Why it was voided (voided offers). */
  reason?: string
  /** Who voided it (voided offers): the staff member's subject or `bulk:<requestId>`. */
  voidedBy?: string
}

/** What a successful void returns. */
export interface VoidResult {
  offer: OfferView
  /** False when the offer was issued outside this project and recorded in the ledger by this void. */
  tracked: boolean
}
