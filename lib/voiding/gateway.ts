import type { OfferKind } from '../ledger/types'

/** An offer's state as Sparkfly reports it, in the ledger's vocabulary. */
export const RemoteStatus = {
  issued: 'issued',
  redeemed: 'redeemed',
  voided: 'voided',
} as const
export type RemoteStatus = (typeof RemoteStatus)[keyof typeof RemoteStatus]

/** An offer as Sparkfly knows it (ids as strings of digits). */
export interface RemoteOffer {
  kind: OfferKind
  id: string
  status: RemoteStatus
  code?: string
  memberId?: string
  offerId?: string
  campaignId?: string
  channelId?: string
  storeId?: string
  activatesAt?: string
  expiresAt?: string
  createdAt?: string
  redeemedAt?: string
  voidedAt?: string
  externalRefId?: string
}

/** The member an offer state is voided for: Sparkfly has one void endpoint per kind of member reference. */
export type OfferStateRef =
  | { offerStateId: string; memberId: string }
  | { offerStateId: string; memberIdentifier: string }

/** How a void call ended, when it ended in an answer that is not a failure of Sparkfly itself. */
export type VoidCallResult =
  | { outcome: 'voided'; offer?: RemoteOffer }
  | { outcome: 'not_found' }
  | { outcome: 'already_voided' }
  | { outcome: 'already_redeemed' }

/**
 * What voiding needs from Sparkfly. The domain depends on this port; {@link sparkflyVoidGateway} adapts the client.
 * Failures that are Sparkfly's (5xx, 429, timeouts, auth) are thrown as the client's errors, unchanged.
 */
export interface VoidGateway {
  voidOfferState(ref: OfferStateRef): Promise<VoidCallResult>
  voidCredential(credentialId: string): Promise<VoidCallResult>
  /** Reads an offer state of a member; undefined when the member or the offer state is unknown. */
  getOfferState(memberId: string, offerStateId: string): Promise<RemoteOffer | undefined>
  /** Reads a credential; undefined when unknown. */
  getCredential(credentialId: string): Promise<RemoteOffer | undefined>
  /** The offer state whose credential identifier is `code`; undefined when none. */
  findOfferStateByCode(code: string): Promise<RemoteOffer | undefined>
}
