import type { LedgerEntry } from '../ledger/types'

/** Sparkfly's view of one offer, in the sweep's vocabulary. */
export const SparkflyOfferStatus = {
  /** Neither redeemed nor voided: a POS could still redeem it (or Sparkfly could, ignoring its own expiry). */
  open: 'open',
  redeemed: 'redeemed',
  voided: 'voided',
  /** Sparkfly answered 404. */
  notFound: 'not_found',
} as const
export type SparkflyOfferStatus = (typeof SparkflyOfferStatus)[keyof typeof SparkflyOfferStatus]

/** What a look-up found: the status, and when it was redeemed or voided when Sparkfly says. */
export interface SparkflyOfferView {
  status: SparkflyOfferStatus
  /** `redeemed_at` / `voided_at` as Sparkfly reported it. */
  at?: string
}

/** Result of a void call: done, or refused because the offer had already ended. */
export const VoidResult = {
  voided: 'voided',
  alreadyVoided: 'already_voided',
  alreadyRedeemed: 'already_redeemed',
} as const
export type VoidResult = (typeof VoidResult)[keyof typeof VoidResult]

/** Per-call options: a signal that aborts the call when the run's hard deadline passes. */
export interface GatewayCallOptions {
  signal?: AbortSignal
}

/**
 * What the sweep needs from Sparkfly. The engine depends on this port; `sparkflyExpiryGateway` adapts the client.
 * Errors are the client's (`SparkflyError` subclasses with `retryable` / `retryAfterMs`).
 */
export interface ExpiryGateway {
  /** Reads the offer's current status in Sparkfly (a GET: safe to repeat). */
  look(entry: LedgerEntry, options?: GatewayCallOptions): Promise<SparkflyOfferView>
  /** Voids the offer in Sparkfly. "Already voided / redeemed" answers come back as results, not errors. */
  void(entry: LedgerEntry, options?: GatewayCallOptions): Promise<VoidResult>
}
