import { OfferKind } from '../ledger/types'
import type { SparkflyClient } from '../sparkfly/client'
import {
  SPARKFLY_CONFLICTS,
  SPARKFLY_REJECTIONS,
  SparkflyConflictError,
  SparkflyInvalidArgumentError,
  SparkflyNotFoundError,
  SparkflyValidationError,
} from '../sparkfly/errors'
import type { Credential } from '../sparkfly/resources/credentials'
import type { IssuedOfferState, OfferState } from '../sparkfly/resources/offerStates'
import {
  type CallOptions,
  type IssueRequest,
  type Offer,
  type OfferRef,
  OfferStatus,
  type Offers,
  type RedeemOutcome,
  RedeemRefusal,
  type VoidOutcome,
} from './types'

/** The part of the Sparkfly client the offers port uses. */
export type SparkflyOffersApi = Pick<SparkflyClient, 'offerStates' | 'credentials'>

const text = (value: unknown): string | undefined =>
  value === undefined || value === null || value === '' ? undefined : String(value)

/** Drops undefined fields so offers (and the ledger entries made of them) stay sparse. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

/** Sparkfly's statuses: `redeemed` and `voided` are final; anything else (`incomplete`, `active`, `open`) is open. */
function statusOf(status: unknown): OfferStatus {
  const value = String(status ?? '').toLowerCase()
  if (value === OfferStatus.redeemed) return OfferStatus.redeemed
  if (value === OfferStatus.voided) return OfferStatus.voided
  return OfferStatus.open
}

/** Reads the reference issuance keeps in a credential's annotations (an object, or JSON text in the older spec). */
function annotationRef(credential: Credential): string | undefined {
  let annotations: unknown = credential.annotations
  if (typeof annotations === 'string') {
    try {
      annotations = JSON.parse(annotations)
    } catch {
      return undefined
    }
  }
  return text((annotations as Record<string, unknown> | null | undefined)?.external_ref_id)
}

/**
 * When an offer state reached its final status. Sparkfly documents no `redeemed_at` / `voided_at` on offer
 * states, so it is the time of its last change (`updated_at`) once its status says redeemed or voided.
 */
function finalAt(os: OfferState, status: OfferStatus): { redeemedAt?: string; voidedAt?: string } {
  if (status === OfferStatus.redeemed) return { redeemedAt: text(os.updated_at) }
  if (status === OfferStatus.voided) return { voidedAt: text(os.updated_at) }
  return {}
}

/** A credential's status from its documented `voided_at` / `redeemed_at`, else from `status`. */
function credentialStatus(credential: Credential): OfferStatus {
  if (text(credential.voided_at)) return OfferStatus.voided
  if (text(credential.redeemed_at)) return OfferStatus.redeemed
  return statusOf(credential.status)
}

function fromOfferState(state: OfferState | IssuedOfferState): Offer {
  const os = state as OfferState & Partial<IssuedOfferState>
  const status = statusOf(os.status)
  return compact({
    kind: OfferKind.offerState,
    id: String(os.offer_state_id ?? os.id),
    status,
    code: text(os.credential_identifier),
    memberId: text(os.member_id),
    offerId: text(os.offer_id),
    campaignId: text(os.campaign_xid ?? os.campaign_id),
    offerName: text(os.offer_name),
    activatesAt: text(os.effective_activates_at ?? os.activates_at),
    expiresAt: text(os.effective_expires_at ?? os.expires_at),
    createdAt: text(os.created_at),
    ...finalAt(os, status),
    externalRefId: text(os.external_ref_id),
  })
}

function fromCredential(credential: Credential): Offer {
  return compact({
    kind: OfferKind.credential,
    id: String(credential.id),
    status: credentialStatus(credential),
    code: text(credential.identifier),
    memberId: text(credential.member_id),
    offerId: text(credential.offer_id ?? credential.offer_ids?.[0]),
    offerName: text(credential.offer_name),
    channelId: text(credential.channel_id),
    storeId: text(credential.store_id),
    createdAt: text(credential.created_at),
    redeemedAt: text(credential.redeemed_at),
    voidedAt: text(credential.voided_at),
    externalRefId: annotationRef(credential),
  })
}

/** Fills what Sparkfly's answer left out with what was asked for. */
function withRequest(offer: Offer, request: IssueRequest): Offer {
  const asked: Partial<Offer> =
    request.kind === OfferKind.offerState
      ? {
          campaignId: request.campaignId,
          memberIdentifier: request.memberIdentifier,
          activatesAt: request.activatesAt,
          expiresAt: request.expiresAt,
        }
      : {
          memberId: request.memberId,
          offerId: request.offerId,
          channelId: request.channelId,
          storeId: request.storeId,
        }
  return compact({ ...compact(asked), ...offer, externalRefId: offer.externalRefId ?? request.externalRefId })
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (error instanceof SparkflyNotFoundError) return undefined
    throw error
  }
}

function noMemberReference(ref: OfferRef): never {
  throw new SparkflyInvalidArgumentError(
    'memberId',
    `Offer state ${ref.id} has neither a member id nor a member identifier`,
  )
}

/** Sparkfly's final refusals of a redeem, as outcomes; anything else is rethrown. */
function redeemRefusal(error: unknown): RedeemOutcome {
  const refused = (reason: RedeemRefusal): RedeemOutcome => ({ outcome: 'refused', reason })
  if (error instanceof SparkflyConflictError) {
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyRedeemed) return refused(RedeemRefusal.alreadyRedeemed)
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyVoided) return refused(RedeemRefusal.voided)
  }
  if (error instanceof SparkflyValidationError) {
    if (error.rejection === SPARKFLY_REJECTIONS.expired) return refused(RedeemRefusal.expired)
    if (error.rejection === SPARKFLY_REJECTIONS.notYetActive) return refused(RedeemRefusal.notYetActive)
  }
  if (error instanceof SparkflyNotFoundError) return refused(RedeemRefusal.notFound)
  throw error
}

/** Sparkfly's answers about a void's target (404, "already voided / redeemed"), as outcomes; the rest is rethrown. */
function voidRefusal(error: unknown): VoidOutcome {
  if (error instanceof SparkflyNotFoundError) return { outcome: 'not_found' }
  if (error instanceof SparkflyConflictError) {
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyVoided) return { outcome: 'already_voided' }
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyRedeemed) return { outcome: 'already_redeemed' }
  }
  throw error
}

/** A redeem's outcome: when (a credential's `redeemed_at`; an offer state's last change) and the offer name. */
const receipt = (redeemedAt: unknown, offerName: unknown): RedeemOutcome =>
  compact({ outcome: 'redeemed' as const, redeemedAt: text(redeemedAt), offerName: text(offerName) })

/** The offer an earlier issue created: offer states by `external_ref_id`, credentials by their annotations. */
async function findIssued(
  { offerStates, credentials }: SparkflyOffersApi,
  request: IssueRequest,
  options?: CallOptions,
): Promise<Offer | undefined> {
  if (request.kind === OfferKind.offerState) {
    const state = await orUndefined(() =>
      offerStates.query({ external_ref_id: request.externalRefId }, options),
    )
    return state && withRequest(fromOfferState(state), request)
  }
  const filters = { member_id: request.memberId, offer_id: request.offerId }
  for await (const credential of credentials.listAll(filters, options)) {
    if (annotationRef(credential) === request.externalRefId)
      return withRequest(fromCredential(credential), request)
  }
  return undefined
}

/** Issues an offer state through `offerStates.issue`, or creates a credential with the reference in its annotations. */
async function issueOffer(
  { offerStates, credentials }: SparkflyOffersApi,
  request: IssueRequest,
  options?: CallOptions,
): Promise<Offer> {
  if (request.kind === OfferKind.offerState) {
    const issued = await offerStates.issue(
      compact({
        campaign_id: request.campaignId,
        external_ref_id: request.externalRefId,
        member_id: request.memberId,
        member_identifier: request.memberId ? undefined : request.memberIdentifier,
        activates_at: request.activatesAt,
        expires_at: request.expiresAt,
      }),
      options,
    )
    return withRequest(fromOfferState(issued), request)
  }
  const credential = await credentials.create(
    compact({
      member_id: request.memberId,
      offer_id: request.offerId,
      channel_id: request.channelId,
      store_id: request.storeId,
      annotations: { external_ref_id: request.externalRefId },
    }),
    options,
  )
  return withRequest(fromCredential(credential), request)
}

/**
 * The offers port over the Sparkfly client. Offer states are issued through `offerStates.issue` (with
 * `external_ref_id`) and found again by it; credentials are created with the reference in their annotations
 * (they have no `external_ref_id`) and found again by listing the member's credentials for the offer. Offer states
 * known only by the member's external identifier are read through their code and voided through
 * `voidByMemberIdentifier`.
 *
 * @example
 * const offers = sparkflyOffers(client)
 * const offer = await offers.findByCode('2YZX3ZF3A9') // Offer | undefined
 * if (offer) await offers.redeem(offer)
 */
export function sparkflyOffers(client: SparkflyOffersApi): Offers {
  const { offerStates, credentials } = client
  const findByCode = async (code: string, options?: CallOptions) => {
    const state = await orUndefined(() => offerStates.query({ credential_identifier: code }, options))
    return state && fromOfferState(state)
  }
  return {
    findByCode,

    async get(ref, options) {
      if (ref.kind === OfferKind.credential) {
        const credential = await orUndefined(() => credentials.get(ref.id, options))
        return credential && fromCredential(credential)
      }
      if (ref.memberId) {
        const state = await orUndefined(() => offerStates.get(ref.memberId as string, ref.id, options))
        return state && fromOfferState(state)
      }
      if (!ref.code) return noMemberReference(ref)
      const found = await findByCode(ref.code, options)
      return found?.id === ref.id ? found : undefined
    },

    findByExternalRef: (request, options) => findIssued(client, request, options),

    issue: (request, options) => issueOffer(client, request, options),

    async redeem(ref, options) {
      try {
        if (ref.kind === OfferKind.credential) {
          const credential = await credentials.redeem(ref.id, options)
          return receipt(credential.redeemed_at, credential.offer_name)
        }
        if (!ref.memberId) return noMemberReference(ref)
        const state = await offerStates.redeem(ref.memberId, ref.id, undefined, options)
        return receipt(state.updated_at, state.offer_name)
      } catch (error) {
        return redeemRefusal(error)
      }
    },

    async void(ref, options) {
      try {
        if (ref.kind === OfferKind.credential) {
          return { outcome: 'voided', offer: fromCredential(await credentials.void(ref.id, options)) }
        }
        if (ref.memberId) await offerStates.void(ref.memberId, ref.id, options)
        else if (ref.memberIdentifier)
          await offerStates.voidByMemberIdentifier(ref.id, ref.memberIdentifier, options)
        else noMemberReference(ref)
        return { outcome: 'voided' }
      } catch (error) {
        return voidRefusal(error)
      }
    },
  }
}

/**
 * The port with per-call options supplied by `defaults` (read at each call, e.g. a time budget that fits what is
 * left of the invocation); options passed to a call win.
 */
export function withCallOptions(offers: Offers, defaults: () => CallOptions): Offers {
  const merged = (options?: CallOptions) => ({ ...defaults(), ...options })
  return {
    get: (ref, options) => offers.get(ref, merged(options)),
    findByCode: (code, options) => offers.findByCode(code, merged(options)),
    findByExternalRef: (request, options) => offers.findByExternalRef(request, merged(options)),
    issue: (request, options) => offers.issue(request, merged(options)),
    redeem: (ref, options) => offers.redeem(ref, merged(options)),
    void: (ref, options) => offers.void(ref, merged(options)),
  }
}
