import type { OfferKind } from '../ledger/types'

/** Sparkfly's reasons for refusing a redeem, in the domain's words. */
export const RedeemRefusal = {
  alreadyRedeemed: 'already_redeemed',
  voided: 'voided',
  expired: 'expired',
  notYetActive: 'not_yet_active',
  notFound: 'not_found',
} as const
export type RedeemRefusal = (typeof RedeemRefusal)[keyof typeof RedeemRefusal]

/** Sparkfly refused the redeem for a reason that no retry changes (its 422 / 404 answers). */
export class RedeemRefusedError extends Error {
  override name = 'RedeemRefusedError'
  constructor(
    readonly reason: RedeemRefusal,
    message: string,
  ) {
    super(message)
  }
}

/** An offer state found at Sparkfly by its code (one issued elsewhere, not in the ledger). */
export interface SparkflyOffer {
  kind: typeof OfferKind.offerState
  id: string
  code: string
  /** Sparkfly's status: `incomplete` until redeemed or voided. */
  status: string
  memberId?: string
  offerId?: string
  campaignId?: string
  offerName?: string
  activatesAt?: string
  expiresAt?: string
  createdAt?: string
  redeemedAt?: string
  voidedAt?: string
}

/** What Sparkfly answered to a successful redeem. */
export interface RedeemReceipt {
  redeemedAt?: string
  offerName?: string
}

/**
 * What redemption needs from Sparkfly. The domain depends on this port; `sparkflyRedemptionGateway` adapts the
 * client. Redeem calls throw {@link RedeemRefusedError} for Sparkfly's final refusals; anything else (5xx, timeouts,
 * throttling) propagates as the client's error.
 */
export interface RedemptionGateway {
  /** The offer state whose credential identifier is `code`, or undefined. */
  findOfferStateByCode(code: string): Promise<SparkflyOffer | undefined>
  redeemOfferState(memberId: string, offerStateId: string): Promise<RedeemReceipt>
  redeemCredential(credentialId: string): Promise<RedeemReceipt>
}
