import { OfferKind } from '../ledger/types'
import type { Credential, SparkflyClient } from '../sparkfly'
import { SparkflyNotFoundError } from '../sparkfly'
import type { CredentialRequest, IssuanceGateway, IssuedOffer } from './gateway'

const str = (value: unknown) => (value === undefined || value === null ? undefined : String(value))

/** Drops undefined fields so ledger entries stay sparse. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/** Reads the reference we keep in a credential's annotations (an object, or JSON text in the older spec). */
function annotationRef(credential: Credential): string | undefined {
  let annotations = credential.annotations
  if (typeof annotations === 'string') {
    try {
      annotations = JSON.parse(annotations)
    } catch {
      return undefined
    }
  }
  return str((annotations as Record<string, unknown> | null | undefined)?.external_ref_id)
}

const fromCredential = (credential: Credential, request: CredentialRequest): IssuedOffer =>
  compact({
    kind: OfferKind.credential,
    id: String(credential.id),
    code: str(credential.identifier),
    memberId: str(credential.member_id) ?? request.memberId,
    offerId: str(credential.offer_id ?? credential.offer_ids?.[0]) ?? request.offerId,
    channelId: str(credential.channel_id) ?? request.channelId,
    storeId: str(credential.store_id) ?? request.storeId,
  })

/**
 * Adapts the Sparkfly client to what issuance needs. Offer states go through the high-throughput
 * `offerStates.issue`; credentials through `credentials.create`, with the issuance reference kept in their
 * annotations (credentials have no `external_ref_id`) so a retry can find them.
 */
export function sparkflyIssuanceGateway(client: SparkflyClient): IssuanceGateway {
  return {
    async issueOfferState(request, options) {
      const issued = await client.offerStates.issue(
        {
          campaign_id: request.campaignId,
          external_ref_id: request.externalRefId,
          ...(request.memberId
            ? { member_id: request.memberId }
            : { member_identifier: request.memberIdentifier }),
          ...(request.activatesAt ? { activates_at: request.activatesAt } : {}),
          ...(request.expiresAt ? { expires_at: request.expiresAt } : {}),
        },
        options,
      )
      return compact({
        kind: OfferKind.offerState,
        id: String(issued.id),
        code: issued.credential_identifier,
        memberId: String(issued.member_id),
        offerId: String(issued.offer_id),
        campaignId: issued.campaign_id,
        activatesAt: str(issued.activates_at) ?? request.activatesAt,
        expiresAt: str(issued.expires_at) ?? request.expiresAt,
      })
    },

    async findOfferStateByExternalRef(externalRefId, options) {
      try {
        const found = await client.offerStates.query({ external_ref_id: externalRefId }, options)
        return compact({
          kind: OfferKind.offerState,
          id: String(found.offer_state_id),
          code: str(found.credential_identifier),
          memberId: str(found.member_id),
          offerId: str(found.offer_id),
          campaignId: str(found.campaign_xid ?? found.campaign_id),
          activatesAt: str(found.activates_at),
          expiresAt: str(found.expires_at),
        })
      } catch (error) {
        if (error instanceof SparkflyNotFoundError) return undefined
        throw error
      }
    },

    async createCredential(request, options) {
      const credential = await client.credentials.create(
        {
          member_id: request.memberId,
          offer_id: request.offerId,
          channel_id: request.channelId,
          ...(request.storeId ? { store_id: request.storeId } : {}),
          annotations: { external_ref_id: request.externalRefId },
        },
        options,
      )
      return fromCredential(credential, request)
    },

    async findCredentialByExternalRef(request, options) {
      for await (const credential of client.credentials.listAll(
        { member_id: request.memberId, offer_id: request.offerId },
        options,
      )) {
        if (annotationRef(credential) === request.externalRefId) return fromCredential(credential, request)
      }
      return undefined
    },
  }
}
