import { type LedgerEntry, LedgerStatus } from '../ledger/types'
import { compact, type Offer, OfferStatus } from '../offers'
import type { OfferView } from './types'

/** Sparkfly's statuses in the ledger's words: an open offer is `issued`. */
const LEDGER_STATUS = {
  [OfferStatus.open]: LedgerStatus.issued,
  [OfferStatus.redeemed]: LedgerStatus.redeemed,
  [OfferStatus.voided]: LedgerStatus.voided,
} as const

/** The view of an offer the ledger holds. */
export function viewOfEntry(entry: LedgerEntry): OfferView {
  return compact({
    kind: entry.kind,
    id: entry.id,
    code: entry.code,
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

/** The view of an offer found at Sparkfly by `code` (issued elsewhere, not in the ledger). */
export function viewOfOffer(offer: Offer, code: string): OfferView {
  return compact({
    kind: offer.kind,
    id: offer.id,
    code: offer.code ?? code,
    status: LEDGER_STATUS[offer.status],
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
