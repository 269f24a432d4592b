/**
 * Wire shapes: the in-memory records as Sparkfly's JSON bodies (snake_case, wrapped in their resource key).
 * Fields Sparkfly documents but the sandbox does not model carry neutral values (null, [], false). Fields it
 * does not document (`channel_id`, `redeemed_at`, `voided_at` of an offer state) appear only in admin reads.
 */
import type { SandboxReadings } from './profile'
import type { SandboxStore } from './store'
import {
  type Credential,
  type CredentialRecord,
  OFFER_STATE_EXTENSIONS,
  type OfferState,
  type OfferStateRecord,
  type WireOfferState,
} from './types'

export interface Page {
  page: number
  per_page: number
  total_entries: number
  total_pages: number
}

/** The admin view of an offer state: the API's fields plus the extensions `channel_id`, `redeemed_at`, `voided_at`. */
export function offerStateFields(store: SandboxStore, os: OfferStateRecord): OfferState {
  const offer = store.offer(os.offerId)
  const campaign = os.campaignId === null ? undefined : store.campaignById(os.campaignId)
  return {
    offer_state_id: os.id,
    offer_id: os.offerId,
    member_id: os.memberId,
    status: os.status,
    value: os.value,
    locked: os.locked,
    created_at: os.createdAt,
    updated_at: os.updatedAt,
    activates_at: os.activatesAt,
    expires_at: os.expiresAt,
    external_ref_id: os.externalRefId,
    barcode_image_url: null,
    custom_data: null,
    credential_custom_data: null,
    effective_activates_at: os.activatesAt ?? os.createdAt,
    effective_expires_at: os.expiresAt,
    offer_activities: [],
    offer_name: offer?.name ?? null,
    offer_short_name: offer?.name ?? null,
    offer_campaign_name: campaign?.name ?? '',
    offer_group: null,
    offer_description: offer?.description ?? null,
    offer_value_required: 0,
    offer_terms_and_conditions: null,
    offer_web_image_url: null,
    offer_web_thumb_url: null,
    offer_mobile_image_url: null,
    offer_mobile_thumb_url: null,
    is_reward: false,
    credential_identifier: os.credentialIdentifier,
    token: os.token,
    transferable: true,
    reusable: false,
    offer_tags: [],
    offer_campaign_tags: [],
    campaign_external_id: '',
    campaign_xid: os.campaignXid ?? '',
    campaign_id: os.campaignId,
    // Sandbox extensions (admin reads only):
    channel_id: os.channelId,
    redeemed_at: os.redeemedAt,
    voided_at: os.voidedAt,
  }
}

/** The offer state as inside `{"offer_state": {...}}` of the API's answers: documented fields only. */
export function wireOfferState(store: SandboxStore, os: OfferStateRecord): WireOfferState {
  const fields: Partial<OfferState> = offerStateFields(store, os)
  for (const extension of OFFER_STATE_EXTENSIONS) delete fields[extension]
  return fields as WireOfferState
}

/** `offer_state` response body: {"offer_state": {...}, "errors": {}} */
export function offerStateBody(store: SandboxStore, os: OfferStateRecord) {
  return { offer_state: wireOfferState(store, os), errors: {} }
}

/**
 * 201 body of POST /members/offer_states/issue (the high-throughput issue): the documented fields only;
 * `activates_at` / `expires_at` only when the request set them.
 */
export function issuedOfferStateBody(os: OfferStateRecord) {
  return {
    offer_state: {
      id: os.id,
      member_id: os.memberId,
      offer_id: os.offerId,
      campaign_id: os.campaignXid,
      ...(os.activatesAt === null ? {} : { activates_at: os.activatesAt }),
      ...(os.expiresAt === null ? {} : { expires_at: os.expiresAt }),
      credential_identifier: os.credentialIdentifier,
    },
  }
}

/**
 * The credential as inside `{"credential": {...}}`: the platform's `credential` schema plus `status`,
 * `redeemed_at` and `voided_at` (its guide's example; `redeemed_at` / `voided_at` also in the offer-states
 * create answer) and `reusable` (offer-states). Admin reads get `annotations` as an object.
 */
export function credentialFields(store: SandboxStore, credential: CredentialRecord): Credential {
  const firstOffer = credential.offerIds[0] === undefined ? undefined : store.offer(credential.offerIds[0])
  return {
    id: credential.id,
    account_id: credential.accountId,
    created_at: credential.createdAt,
    updated_at: credential.updatedAt,
    identifier: credential.identifier,
    member_id: credential.memberId,
    store_id: credential.storeId,
    channel_id: credential.channelId,
    offer_ids: [...credential.offerIds],
    annotations: structuredClone(credential.annotations),
    code_lifetime: null,
    supports_barcode: false,
    merchant_id: firstOffer?.merchantId ?? null,
    offer_name: firstOffer?.name ?? null,
    merchant_name: firstOffer?.merchantName ?? null,
    location_address: null,
    url: null,
    reusable: credential.reusable,
    status: credential.status,
    redeemed_at: credential.redeemedAt,
    voided_at: credential.voidedAt,
  }
}

/**
 * `credential_response` body: {"credential": {...}, "errors": {}}, with `annotations` as JSON text or an object
 * per the profile (the platform's `credential` schema types it as a string, the offer-states answer as an object).
 */
export function credentialBody(store: SandboxStore, credential: CredentialRecord, readings: SandboxReadings) {
  const fields = credentialFields(store, credential)
  if (readings.annotations === 'string') fields.annotations = JSON.stringify(fields.annotations)
  return { credential: fields, errors: {} }
}

/** One page of `items` and the page_response_body fields. */
export function paginate<T>(items: T[], page: number, perPage: number): { page: Page; items: T[] } {
  return {
    page: {
      page,
      per_page: perPage,
      total_entries: items.length,
      total_pages: Math.ceil(items.length / perPage),
    },
    items: items.slice((page - 1) * perPage, page * perPage),
  }
}
