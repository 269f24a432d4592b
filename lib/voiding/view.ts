import { type LedgerEntry, LedgerStatus } from '../ledger/types'
import { compact, type Offer, OfferStatus } from '../offers'
import type { OfferView } from './types'

/** How the API shows a ledger entry. */
export function offerView(entry: LedgerEntry): OfferView {
  const voided = entry.status === LedgerStatus.voided
  return compact({
    kind: entry.kind,
    id: entry.id,
    status: entry.status,
    code: entry.code,
    member: compact({ id: entry.memberId, identifier: entry.memberIdentifier }),
    campaignId: entry.campaignId,
    offerId: entry.offerId,
    activatesAt: entry.activatesAt,
    expiresAt: entry.expiresAt,
    redeemedAt: entry.redeemedAt,
    voidedAt: entry.voidedAt,
    expiredAt: entry.expiredAt,
    reason: voided ? entry.voidReason : undefined,
    voidedBy: voided ? entry.changedBy : undefined,
  })
}

/** Sparkfly's status in the ledger's vocabulary: an open offer is `issued`. */
const LEDGER_STATUS_OF = {
  [OfferStatus.open]: LedgerStatus.issued,
  [OfferStatus.redeemed]: LedgerStatus.redeemed,
  [OfferStatus.voided]: LedgerStatus.voided,
} as const

/** How the API shows an offer that only Sparkfly knows. */
export function remoteView(offer: Offer, member: { id?: string; identifier?: string } = {}): OfferView {
  return compact({
    kind: offer.kind,
    id: offer.id,
    status: LEDGER_STATUS_OF[offer.status],
    code: offer.code,
    member: compact({
      id: offer.memberId ?? member.id,
      identifier: member.identifier ?? offer.memberIdentifier,
    }),
    campaignId: offer.campaignId,
    offerId: offer.offerId,
    activatesAt: offer.activatesAt,
    expiresAt: offer.expiresAt,
    redeemedAt: offer.redeemedAt,
    voidedAt: offer.voidedAt,
  })
}
