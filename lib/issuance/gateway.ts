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
 * Per-call limits: the call is abandoned when `signal` aborts, and plans its retries within `totalTimeoutMs`.
 * Issuance bounds every call by the claim it holds (see `issueForEvent`).
 */
export interface IssuanceCallOptions {
  signal?: AbortSignal
  totalTimeoutMs?: number
}

/**
 * What issuance needs from Sparkfly. The domain depends on this port; `sparkflyIssuanceGateway` adapts the client.
 */
export interface IssuanceGateway {
  issueOfferState(request: OfferStateRequest, options?: IssuanceCallOptions): Promise<IssuedOffer>
  findOfferStateByExternalRef(
    externalRefId: string,
    options?: IssuanceCallOptions,
  ): Promise<IssuedOffer | undefined>
  createCredential(request: CredentialRequest, options?: IssuanceCallOptions): Promise<IssuedOffer>
  findCredentialByExternalRef(
    request: CredentialRequest,
    options?: IssuanceCallOptions,
  ): Promise<IssuedOffer | undefined>
}
