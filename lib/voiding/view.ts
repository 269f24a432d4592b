import { type LedgerEntry, LedgerStatus } from '../ledger/types'
import type { RemoteOffer } from './gateway'
import type { OfferView } from './types'

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

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

/** How the API shows an offer that only Sparkfly knows. */
export function remoteView(offer: RemoteOffer, member: { id?: string; identifier?: string } = {}): OfferView {
  return compact({
    kind: offer.kind,
    id: offer.id,
    status: offer.status,
    code: offer.code,
    member: compact({ id: offer.memberId ?? member.id, identifier: member.identifier }),
    campaignId: offer.campaignId,
    offerId: offer.offerId,
    activatesAt: offer.activatesAt,
    expiresAt: offer.expiresAt,
    redeemedAt: offer.redeemedAt,
    voidedAt: offer.voidedAt,
  })
}
