import type { OfferKind } from '../ledger/types'

/** An offer as Sparkfly issued it, in the ledger's vocabulary (ids as strings of digits). */
export interface IssuedOffer {
  kind: OfferKind
  id: string
  code?: string
  memberId?: string
  offerId?: string
  campaignId?: string
  channelId?: string
  storeId?: string
  activatesAt?: string
  expiresAt?: string
}

export interface OfferStateRequest {
  campaignId: string
  memberId?: string
  memberIdentifier?: string
  activatesAt?: string
  expiresAt?: string
  externalRefId: string
}

export interface CredentialRequest {
  memberId: string
  offerId: string
  channelId: string
  storeId?: string
  externalRefId: string
}

/**
 * What issuance needs from Sparkfly. The domain depends on this port; `sparkflyIssuanceGateway` adapts the client.
 */
export interface IssuanceGateway {
  issueOfferState(request: OfferStateRequest): Promise<IssuedOffer>
  findOfferStateByExternalRef(externalRefId: string): Promise<IssuedOffer | undefined>
  createCredential(request: CredentialRequest): Promise<IssuedOffer>
  findCredentialByExternalRef(request: CredentialRequest): Promise<IssuedOffer | undefined>
}
