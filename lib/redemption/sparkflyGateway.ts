import { OfferKind } from '../ledger/types'
import {
  SPARKFLY_CONFLICTS,
  SPARKFLY_REJECTIONS,
  SparkflyConflictError,
  SparkflyNotFoundError,
  SparkflyValidationError,
} from '../sparkfly/errors'
import type { RequestOptions } from '../sparkfly/request'
import type { Credential, CredentialsResource } from '../sparkfly/resources/credentials'
import type { OfferState, OfferStatesResource } from '../sparkfly/resources/offerStates'
import {
  type RedeemReceipt,
  RedeemRefusal,
  RedeemRefusedError,
  type RedemptionGateway,
  type SparkflyOffer,
} from './gateway'

/** The part of the Sparkfly client that redemption uses. */
export interface SparkflyRedemptionApi {
  offerStates: Pick<OfferStatesResource, 'query' | 'redeem'>
  credentials: Pick<CredentialsResource, 'redeem'>
}

const text = (value: unknown): string | undefined =>
  value === null || value === undefined || value === '' ? undefined : String(value)

function toSparkflyOffer(state: OfferState, code: string): SparkflyOffer {
  const offer: SparkflyOffer = {
    kind: OfferKind.offerState,
    id: String(state.offer_state_id),
    code: text(state.credential_identifier) ?? code,
    status: text(state.status) ?? 'incomplete',
  }
  const optional: Partial<SparkflyOffer> = {
    memberId: text(state.member_id),
    offerId: text(state.offer_id),
    campaignId: text(state.campaign_xid),
    offerName: text(state.offer_name),
    activatesAt: text(state.effective_activates_at ?? state.activates_at),
    expiresAt: text(state.effective_expires_at ?? state.expires_at),
    createdAt: text(state.created_at),
    redeemedAt: text(state.redeemed_at),
    voidedAt: text(state.voided_at),
  }
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (offer as unknown as Record<string, unknown>)[key] = value
  }
  return offer
}

const receipt = (answer: OfferState | Credential): RedeemReceipt => {
  const out: RedeemReceipt = {}
  const redeemedAt = text(answer.redeemed_at)
  const offerName = text(answer.offer_name)
  if (redeemedAt) out.redeemedAt = redeemedAt
  if (offerName) out.offerName = offerName
  return out
}

/** Sparkfly's final refusals of a redeem, as {@link RedeemRefusedError}; anything else is rethrown as is. */
function refusal(error: unknown): never {
  if (error instanceof SparkflyConflictError) {
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyRedeemed) {
      throw new RedeemRefusedError(RedeemRefusal.alreadyRedeemed, 'Sparkfly: already redeemed')
    }
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyVoided) {
      throw new RedeemRefusedError(RedeemRefusal.voided, 'Sparkfly: already voided')
    }
  }
  if (error instanceof SparkflyValidationError) {
    if (error.rejection === SPARKFLY_REJECTIONS.expired) {
      throw new RedeemRefusedError(RedeemRefusal.expired, 'Sparkfly: expired')
    }
    if (error.rejection === SPARKFLY_REJECTIONS.notYetActive) {
      throw new RedeemRefusedError(RedeemRefusal.notYetActive, 'Sparkfly: not yet active')
    }
  }
  if (error instanceof SparkflyNotFoundError)
    throw new RedeemRefusedError(RedeemRefusal.notFound, 'Sparkfly: not found')
  throw error
}

/**
 * Adapts the Sparkfly client to {@link RedemptionGateway}. `requestOptions` is read per call (e.g. a time budget that
 * fits in what is left of the Lambda invocation).
 *
 * @example
 * const gateway = sparkflyRedemptionGateway(appContext().sparkfly, () => ({ totalTimeoutMs: 8_000 }))
 */
export function sparkflyRedemptionGateway(
  client: SparkflyRedemptionApi,
  requestOptions: () => RequestOptions = () => ({}),
): RedemptionGateway {
  return {
    async findOfferStateByCode(code) {
      try {
        return toSparkflyOffer(
          await client.offerStates.query({ credential_identifier: code }, requestOptions()),
          code,
        )
      } catch (error) {
        if (error instanceof SparkflyNotFoundError) return undefined
        throw error
      }
    },
    async redeemOfferState(memberId, offerStateId) {
      try {
        return receipt(await client.offerStates.redeem(memberId, offerStateId, undefined, requestOptions()))
      } catch (error) {
        return refusal(error)
      }
    },
    async redeemCredential(credentialId) {
      try {
        return receipt(await client.credentials.redeem(credentialId, requestOptions()))
      } catch (error) {
        return refusal(error)
      }
    },
  }
}
