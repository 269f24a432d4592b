import type { OfferKind } from '../ledger/types'

/**
 * Where an offer stands at Sparkfly. `open`: neither redeemed nor voided, so a till could still redeem it
 * (Sparkfly's own `incomplete` / `active` / `open` statuses).
 */
export const OfferStatus = {
  open: 'open',
  redeemed: 'redeemed',
  voided: 'voided',
} as const
export type OfferStatus = (typeof OfferStatus)[keyof typeof OfferStatus]

/**
 * One offer as Sparkfly knows it, in the project's vocabulary: an offer state or a credential. Ids are Sparkfly's,
 * as strings of digits; times are ISO-8601 as Sparkfly sent them. Optional fields are absent (never undefined-valued)
 * when Sparkfly did not send them.
 */
export interface Offer {
  kind: OfferKind
  id: string
  status: OfferStatus
  /** What the till scans: the offer state's credential identifier, or the credential's identifier. */
  code?: string
  memberId?: string
  memberIdentifier?: string
  /** Sparkfly offer id. */
  offerId?: string
  /** Campaign XID (offer states). */
  campaignId?: string
  offerName?: string
  channelId?: string
  storeId?: string
  activatesAt?: string
  expiresAt?: string
  createdAt?: string
  redeemedAt?: string
  voidedAt?: string
  /** The reference issuance gave it (offer states: `external_ref_id`; credentials: their annotations). */
  externalRefId?: string
}

/**
 * How to reach one offer at Sparkfly. A credential needs its id; an offer state its id and the member, by Sparkfly
 * id or by the member's external identifier (then its `code` lets a read find it). A ledger entry is a valid ref.
 */
export interface OfferRef {
  kind: OfferKind
  id: string
  memberId?: string
  memberIdentifier?: string
  code?: string
}

/** What issuance asks Sparkfly for: an offer state of a campaign, or a credential of an offer on a channel. */
export type IssueRequest =
  | {
      kind: typeof OfferKind.offerState
      campaignId: string
      memberId?: string
      memberIdentifier?: string
      activatesAt?: string
      expiresAt?: string
      externalRefId: string
    }
  | {
      kind: typeof OfferKind.credential
      memberId: string
      offerId: string
      channelId: string
      storeId?: string
      externalRefId: string
    }

/** Sparkfly's final refusals of a redeem: no retry changes them. */
export const RedeemRefusal = {
  alreadyRedeemed: 'already_redeemed',
  voided: 'voided',
  expired: 'expired',
  notYetActive: 'not_yet_active',
  notFound: 'not_found',
} as const
export type RedeemRefusal = (typeof RedeemRefusal)[keyof typeof RedeemRefusal]

/** How a redeem ended when Sparkfly answered with a decision (failures of Sparkfly itself are thrown). */
export type RedeemOutcome =
  | { outcome: 'redeemed'; redeemedAt?: string; offerName?: string }
  | { outcome: 'refused'; reason: RedeemRefusal }

/** How a void ended when Sparkfly answered with a decision (failures of Sparkfly itself are thrown). */
export type VoidOutcome =
  | { outcome: 'voided'; offer?: Offer }
  | { outcome: 'not_found' }
  | { outcome: 'already_voided' }
  | { outcome: 'already_redeemed' }

/** Per-call limits: the call is abandoned when `signal` aborts and plans its retries within `totalTimeoutMs`. */
export interface CallOptions {
  signal?: AbortSignal
  totalTimeoutMs?: number
}

/**
 * The offers port: everything the domains need from Sparkfly, in their vocabulary. Reads answer `undefined` for
 * "not found"; `redeem` and `void` answer Sparkfly's decisions as outcomes. Anything else (5xx, 429, timeouts,
 * connection failures, authentication) is thrown; read it with {@link callFailure}. Domains depend on a `Pick<>` of
 * this interface; `sparkflyOffers` adapts the Sparkfly client and `test/support/fakeOffers.ts` fakes it.
 */
export interface Offers {
  /** The offer behind `ref`, or undefined when Sparkfly does not know it (a GET: safe to repeat). */
  get(ref: OfferRef, options?: CallOptions): Promise<Offer | undefined>
  /** The offer whose code is `code`, or undefined. */
  findByCode(code: string, options?: CallOptions): Promise<Offer | undefined>
  /** The offer an earlier `issue(request)` created, found by its external reference; undefined when none. */
  findByExternalRef(request: IssueRequest, options?: CallOptions): Promise<Offer | undefined>
  /** Issues an offer state or creates a credential. Unsafe: look it up before repeating after a lost answer. */
  issue(request: IssueRequest, options?: CallOptions): Promise<Offer>
  /** Redeems the offer. Unsafe: see {@link callFailure}'s `applied`. */
  redeem(ref: OfferRef, options?: CallOptions): Promise<RedeemOutcome>
  /** Voids the offer. Unsafe: see {@link callFailure}'s `applied`. */
  void(ref: OfferRef, options?: CallOptions): Promise<VoidOutcome>
}
