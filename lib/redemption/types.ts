import type { OfferKind } from '../ledger/types'

/** What a redemption attempt came to. */
export const RedemptionStatus = {
  redeemed: 'redeemed',
  notFound: 'not_found',
  alreadyRedeemed: 'already_redeemed',
  voided: 'voided',
  expired: 'expired',
  notYetActive: 'not_yet_active',
} as const
export type RedemptionStatus = (typeof RedemptionStatus)[keyof typeof RedemptionStatus]

/** An offer as the POS sees it in answers (ledger vocabulary: issued / redeemed / voided / expired). */
export interface OfferView {
  kind: OfferKind
  id: string
  code: string
  status: string
  memberId?: string
  memberIdentifier?: string
  offerId?: string
  campaignId?: string
  offerName?: string
  activatesAt?: string
  expiresAt?: string
  issuedAt?: string
  redeemedAt?: string
  voidedAt?: string
  expiredAt?: string
  transactionId?: string
  storeId?: string
}

/** Where the offer was found: the ledger (issued by this project) or Sparkfly (issued elsewhere). */
export type OfferSource = 'ledger' | 'sparkfly'

export type RedemptionOutcome =
  | {
      status: typeof RedemptionStatus.redeemed
      offer: OfferView
      redeemedAt: string
      transactionId: string
      storeId?: string
      source: OfferSource
      /** True when this transaction had already redeemed the code (a retry with a new webhook-id): nothing redeemed again. */
      replayed: boolean
    }
  | { status: typeof RedemptionStatus.notFound }
  | {
      status:
        | typeof RedemptionStatus.alreadyRedeemed
        | typeof RedemptionStatus.voided
        | typeof RedemptionStatus.expired
        | typeof RedemptionStatus.notYetActive
      /** The offer's current state. */
      offer: OfferView
      /** Who decided: our own records, or Sparkfly (the ledger was behind). */
      decidedBy: 'ledger' | 'sparkfly'
    }

/** Something that went wrong after Sparkfly redeemed the offer: the answer is still 200, operators must reconcile. */
export interface RedemptionIncident {
  kind: 'stale_ledger' | 'ledger_conflict' | 'ledger_write_failed' | 'event_publish_failed'
  offer: { kind: OfferKind; id: string }
  error?: unknown
}
