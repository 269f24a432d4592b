/** What the project issued: a Sparkfly offer state or a credential. */
export const OfferKind = {
  offerState: 'offerState',
  credential: 'credential',
} as const
export type OfferKind = (typeof OfferKind)[keyof typeof OfferKind]

/** Lifecycle of an offer in the ledger. `issued` is the only state from which another is reached. */
export const LedgerStatus = {
  issued: 'issued',
  redeemed: 'redeemed',
  voided: 'voided',
  expired: 'expired',
} as const
export type LedgerStatus = (typeof LedgerStatus)[keyof typeof LedgerStatus]

/** One offer the project issued, as the ledger holds it. Ids are Sparkfly's, as strings of digits. */
export interface LedgerEntry {
  pk: string
  kind: OfferKind
  id: string
  status: LedgerStatus
  /** Credential identifier scanned at the till. */
  code?: string
  memberId?: string
  memberIdentifier?: string
  /** Campaign XID (offer states). */
  campaignId?: string
  offerId?: string
  channelId?: string
  storeId?: string
  /** Event or request that created the offer. */
  sourceId: string
  ruleId?: string
  externalRefId?: string
  activatesAt?: string
  expiresAt?: string
  issuedAt: string
  updatedAt: string
  redeemedAt?: string
  voidedAt?: string
  expiredAt?: string
  voidReason?: string
  /** Who or what changed the state last (request id, staff subject, sweep run). */
  changedBy?: string
  transactionId?: string
  /** Sparse sweep index: present only while the offer is issued and can expire. */
  sweepPk?: string
  sweepAt?: string
  offerIdKey?: string
}

/** What a caller supplies when recording a new offer. */
export type NewLedgerEntry = Omit<
  LedgerEntry,
  'pk' | 'status' | 'updatedAt' | 'sweepPk' | 'sweepAt' | 'offerIdKey'
>

/** Fields recorded with a state change. */
export interface TransitionFields {
  at: string
  reason?: string
  changedBy?: string
  transactionId?: string
  storeId?: string
}
