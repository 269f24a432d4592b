import { OfferKind } from '../ledger/types'
import {
  type Credential,
  type OfferState,
  SPARKFLY_CONFLICTS,
  type SparkflyClient,
  SparkflyConflictError,
  SparkflyNotFoundError,
} from '../sparkfly'
import { type RemoteOffer, RemoteStatus, type VoidCallResult, type VoidGateway } from './gateway'

const str = (value: unknown) =>
  value === undefined || value === null || value === '' ? undefined : String(value)

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/** Sparkfly's statuses (`incomplete`/`active`, `redeemed`, `voided`, others) in the ledger's vocabulary. */
function remoteStatus(status: string | null | undefined): RemoteStatus {
  if (status === 'voided') return RemoteStatus.voided
  if (status === 'redeemed') return RemoteStatus.redeemed
  return RemoteStatus.issued
}

const fromOfferState = (os: OfferState): RemoteOffer =>
  compact({
    kind: OfferKind.offerState,
    id: String(os.offer_state_id),
    status: remoteStatus(os.status),
    code: str(os.credential_identifier),
    memberId: str(os.member_id),
    offerId: str(os.offer_id),
    campaignId: str(os.campaign_xid ?? os.campaign_id),
    activatesAt: str(os.activates_at),
    expiresAt: str(os.expires_at),
    createdAt: str(os.created_at),
    redeemedAt: str(os.redeemed_at),
    voidedAt: str(os.voided_at),
    externalRefId: str(os.external_ref_id),
  })

const fromCredential = (credential: Credential): RemoteOffer =>
  compact({
    kind: OfferKind.credential,
    id: String(credential.id),
    status: remoteStatus(credential.status),
    code: str(credential.identifier),
    memberId: str(credential.member_id),
    offerId: str(credential.offer_id ?? credential.offer_ids?.[0]),
    channelId: str(credential.channel_id),
    storeId: str(credential.store_id),
    createdAt: str(credential.created_at),
    redeemedAt: str(credential.redeemed_at),
    voidedAt: str(credential.voided_at),
  })

/** Sparkfly's refusals that are answers about the target (404, "already voided/redeemed"); the rest is rethrown. */
function refusal(error: unknown): VoidCallResult {
  if (error instanceof SparkflyNotFoundError) return { outcome: 'not_found' }
  if (error instanceof SparkflyConflictError) {
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyVoided) return { outcome: 'already_voided' }
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyRedeemed) return { outcome: 'already_redeemed' }
  }
  throw error
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (error instanceof SparkflyNotFoundError) return undefined
    throw error
  }
}

/**
 * Adapts the Sparkfly client to what voiding needs: `offerStates.void` / `offerStates.voidByMemberIdentifier`,
 * `credentials.void`, and the reads that locate offers issued elsewhere (`offerStates.get`, `credentials.get`,
 * `offerStates.query({credential_identifier})`).
 *
 * @example
 * const gateway = sparkflyVoidGateway(appContext().sparkfly)
 * await gateway.voidCredential('9001')
 */
export function sparkflyVoidGateway(client: SparkflyClient): VoidGateway {
  return {
    async voidOfferState(ref) {
      try {
        if ('memberId' in ref) await client.offerStates.void(ref.memberId, ref.offerStateId)
        else await client.offerStates.voidByMemberIdentifier(ref.offerStateId, ref.memberIdentifier)
        return { outcome: 'voided' }
      } catch (error) {
        return refusal(error)
      }
    },

    async voidCredential(credentialId) {
      try {
        return { outcome: 'voided', offer: fromCredential(await client.credentials.void(credentialId)) }
      } catch (error) {
        return refusal(error)
      }
    },

    async getOfferState(memberId, offerStateId) {
      const os = await orUndefined(() => client.offerStates.get(memberId, offerStateId))
      return os && fromOfferState(os)
    },

    async getCredential(credentialId) {
      const credential = await orUndefined(() => client.credentials.get(credentialId))
      return credential && fromCredential(credential)
    },

    async findOfferStateByCode(code) {
      const os = await orUndefined(() => client.offerStates.query({ credential_identifier: code }))
      return os && fromOfferState(os)
    },
  }
}
