import * as z from '../../validation/zod'
import { SparkflyInvalidArgumentError } from '../errors'
import { jsonBody, noBody, type RequestOptions, type SparkflyRequester } from '../request'
import {
  optionalBoolean,
  optionalIdSchema,
  optionalInteger,
  optionalString,
  pageFields,
  responseIdSchema,
  type SparkflyPage,
  unwrapped,
} from '../schemas'
import {
  type DateInput,
  integerId,
  optionalDate,
  optionalIntegerId,
  optionalTextArgument,
  type SparkflyId,
  textArgument,
} from '../validation'

// ---------------------------------------------------------------------------------------------------
// Types

/**
 * Offer state status: `incomplete` when issued (Sparkfly's own example), then `redeemed` or `voided`.
 * Other values pass through.
 */
export type OfferStateStatus = 'incomplete' | 'redeemed' | 'voided' | (string & {})

/**
 * An offer issued to a member (`offer_state`). Fields not listed here are kept as Sparkfly sent them.
 * `offer_state_id` is always set (taken from `id` when Sparkfly only sends that).
 */
export interface OfferState {
  offer_state_id: number
  offer_id?: number | null
  member_id?: number | null
  status?: OfferStateStatus | null
  value?: number | null
  locked?: boolean | null
  created_at?: string | null
  updated_at?: string | null
  activates_at?: string | null
  expires_at?: string | null
  effective_activates_at?: string | null
  effective_expires_at?: string | null
  redeemed_at?: string | null
  voided_at?: string | null
  external_ref_id?: string | null
  /** The code entered or scanned at the point of sale. */
  credential_identifier?: string | null
  /** The offer state's osid (not an auth token). */
  token?: string | null
  barcode_image_url?: string | null
  custom_data?: unknown
  credential_custom_data?: unknown
  offer_activities?: unknown[] | null
  offer_name?: string | null
  offer_short_name?: string | null
  offer_campaign_name?: string | null
  offer_group?: string | null
  offer_description?: string | null
  /** Integer in one spec, boolean in the other: passed through as sent. */
  offer_value_required?: unknown
  offer_terms_and_conditions?: string | null
  is_reward?: boolean | null
  transferable?: boolean | null
  reusable?: boolean | null
  offer_tags?: unknown[] | null
  offer_campaign_tags?: unknown[] | null
  campaign_external_id?: string | null
  campaign_xid?: string | null
  /** Integer in `offer_state`; some answers carry the campaign XID here instead. */
  campaign_id?: number | string | null
  [field: string]: unknown
}

/** The answer of the high-throughput issue endpoint (`offer_state` of its 201). */
export interface IssuedOfferState {
  id: number
  member_id: number
  offer_id: number
  /** Campaign XID used for the issuance. */
  campaign_id: string
  credential_identifier: string
  activates_at?: string | null
  expires_at?: string | null
  [field: string]: unknown
}

/** Body of POST /members/offer_states/issue. `member_id` or `member_identifier` is required. */
export interface IssueOfferStateParams {
  /** XID of an active (not suspended) campaign. */
  campaign_id: string
  member_id?: SparkflyId
  /** The member's external identifier. */
  member_identifier?: string
  /** Free reference kept on the offer state (not unique in Sparkfly). */
  external_ref_id?: string
  activates_at?: DateInput
  expires_at?: DateInput
}

/** Optional offer state fields sent when creating one (`offer_state_request`). */
export interface OfferStateInput {
  activates_at?: DateInput
  expires_at?: DateInput
  external_ref_id?: string
  campaign_id?: string
}

/** POST /members/offer_states: query parameters plus the optional body. */
export interface CreateOfferStateFromQueryParams {
  /** An offer state's osid. */
  token?: string
  offer_id?: SparkflyId
  channel_id?: SparkflyId
  offer_state?: OfferStateInput
}

/** POST /members/{member_id}/offer_states: query parameters plus the optional body. */
export interface IssueForMemberParams {
  offer_id?: SparkflyId
  channel_id?: SparkflyId
  offer_state?: OfferStateInput
}

/** GET /members/offer_states: at least one of these. */
export interface QueryOfferStateParams {
  /** An offer state's osid. */
  token?: string
  credential_identifier?: string
  /** First offer state with this reference (not unique in Sparkfly). */
  external_ref_id?: string
}

/** Fields of an offer state to change (`offer_state_update`). Other fields are sent as given. */
export interface OfferStateUpdate {
  status?: OfferStateStatus
  value?: number
  locked?: boolean
  is_reward?: boolean
  offer_name?: string
  offer_value_required?: boolean | number | null
  activates_at?: DateInput | null
  expires_at?: DateInput | null
  [field: string]: unknown
}

/** A member's offer states. */
export interface OfferStateList extends SparkflyPage {
  offer_states: OfferState[]
  [field: string]: unknown
}

// ---------------------------------------------------------------------------------------------------
// Response schemas (loose: unknown fields and statuses pass through)

const offerStateSchema = z.pipe(
  z.transform((value: unknown) => {
    // The offer_state schema names the key `offer_state_id`; accept a bare `id` as the same thing.
    if (typeof value === 'object' && value !== null && !('offer_state_id' in value) && 'id' in value) {
      return { ...value, offer_state_id: (value as { id: unknown }).id }
    }
    return value
  }),
  z.looseObject({
    offer_state_id: responseIdSchema,
    offer_id: optionalIdSchema,
    member_id: optionalIdSchema,
    status: optionalString,
    value: optionalInteger,
    locked: optionalBoolean,
    created_at: optionalString,
    updated_at: optionalString,
    activates_at: optionalString,
    expires_at: optionalString,
    effective_activates_at: optionalString,
    effective_expires_at: optionalString,
    redeemed_at: optionalString,
    voided_at: optionalString,
    external_ref_id: optionalString,
    credential_identifier: optionalString,
    token: optionalString,
    barcode_image_url: optionalString,
    custom_data: z.optional(z.unknown()),
    credential_custom_data: z.optional(z.unknown()),
    offer_activities: z.nullish(z.array(z.unknown())),
    offer_name: optionalString,
    offer_short_name: optionalString,
    offer_campaign_name: optionalString,
    offer_group: optionalString,
    offer_description: optionalString,
    offer_value_required: z.optional(z.unknown()),
    offer_terms_and_conditions: optionalString,
    is_reward: optionalBoolean,
    transferable: optionalBoolean,
    reusable: optionalBoolean,
    offer_tags: z.nullish(z.array(z.unknown())),
    offer_campaign_tags: z.nullish(z.array(z.unknown())),
    campaign_external_id: optionalString,
    campaign_xid: optionalString,
    campaign_id: z.nullish(z.union([z.number(), z.string()])),
  }),
)

/** `offer_state` answer: `{"offer_state": {...}, "errors": {}}`, unwrapped. */
export const offerStateResponseSchema: z.ZodMiniType<OfferState> = z.pipe(
  z.looseObject({ offer_state: offerStateSchema }),
  z.transform((body) => body.offer_state as OfferState),
)

/** `offer_state_index_body`: paging fields plus `offer_states` (items wrapped or bare). */
export const offerStateListSchema: z.ZodMiniType<OfferStateList> = z.pipe(
  z.looseObject({ ...pageFields, offer_states: z.array(unwrapped('offer_state', offerStateSchema)) }),
  z.transform((body) => body as OfferStateList),
)

const issuedOfferStateSchema = z.pipe(
  z.transform((value: unknown) => {
    if (typeof value === 'object' && value !== null && !('id' in value) && 'offer_state_id' in value) {
      return { ...value, id: (value as { offer_state_id: unknown }).offer_state_id }
    }
    return value
  }),
  z.looseObject({
    id: responseIdSchema,
    member_id: responseIdSchema,
    offer_id: responseIdSchema,
    campaign_id: z.string(),
    credential_identifier: z.string(),
    activates_at: optionalString,
    expires_at: optionalString,
  }),
)

/** 201 of POST /members/offer_states/issue: `{"offer_state": {...}}`, unwrapped. */
export const issuedOfferStateResponseSchema: z.ZodMiniType<IssuedOfferState> = z.pipe(
  z.looseObject({ offer_state: issuedOfferStateSchema }),
  z.transform((body) => body.offer_state),
)

// ---------------------------------------------------------------------------------------------------
// Request bodies

function offerStateInputBody(
  input: OfferStateInput | undefined,
): { offer_state: Record<string, unknown> } | undefined {
  if (input === undefined) return undefined
  if (typeof input !== 'object' || input === null) {
    throw new SparkflyInvalidArgumentError('offer_state', 'offer_state must be an object')
  }
  return {
    offer_state: {
      activates_at: optionalDate('activates_at', input.activates_at),
      expires_at: optionalDate('expires_at', input.expires_at),
      external_ref_id: optionalTextArgument('external_ref_id', input.external_ref_id),
      campaign_id: optionalTextArgument('campaign_id', input.campaign_id),
    },
  }
}

function issueBody(params: IssueOfferStateParams): { offer_state: Record<string, unknown> } {
  if (typeof params !== 'object' || params === null) {
    throw new SparkflyInvalidArgumentError('offer_state', 'issue parameters must be an object')
  }
  const memberId = optionalIntegerId('member_id', params.member_id)
  const memberIdentifier = optionalTextArgument('member_identifier', params.member_identifier)
  if (memberId === undefined && memberIdentifier === undefined) {
    throw new SparkflyInvalidArgumentError('member_id', 'member_id or member_identifier is required')
  }
  return {
    offer_state: {
      campaign_id: textArgument('campaign_id', params.campaign_id),
      member_id: memberId === undefined ? undefined : Number(memberId),
      member_identifier: memberIdentifier,
      external_ref_id: optionalTextArgument('external_ref_id', params.external_ref_id),
      activates_at: optionalDate('activates_at', params.activates_at),
      expires_at: optionalDate('expires_at', params.expires_at),
    },
  }
}

function updateBody(update: OfferStateUpdate): { offer_state: Record<string, unknown> } {
  if (typeof update !== 'object' || update === null || Array.isArray(update)) {
    throw new SparkflyInvalidArgumentError('update', 'update must be an object')
  }
  const dates: Record<string, unknown> = {}
  for (const key of ['activates_at', 'expires_at'] as const) {
    if (update[key] !== undefined) dates[key] = update[key] === null ? null : optionalDate(key, update[key])
  }
  return { offer_state: { ...update, ...dates } }
}

// ---------------------------------------------------------------------------------------------------
// Resource

/**
 * `client.offerStates`: the 11 offer state operations (`/members/...`).
 *
 * @example
 * ```ts
 * const issued = await client.offerStates.issue({ campaign_id: 'abc', member_id: 42, external_ref_id: 'evt-1' })
 * const state = await client.offerStates.get(issued.member_id, issued.id)
 * await client.offerStates.void(issued.member_id, issued.id)
 * ```
 */
export class OfferStatesResource {
  constructor(private readonly request: SparkflyRequester) {}

  /**
   * POST /members/offer_states/issue: the high-throughput issuance (prefer it for many members).
   * Not replayed after an ambiguous failure (timeout, 5xx): look the offer up by `external_ref_id` first.
   */
  async issue(params: IssueOfferStateParams, options?: RequestOptions): Promise<IssuedOfferState> {
    return this.request(
      {
        operation: 'offerStates.issue',
        body: issueBody(params),
        parse: jsonBody(issuedOfferStateResponseSchema),
      },
      options,
    )
  }

  /** POST /members/offer_states?token&offer_id&channel_id with an optional `offer_state` body. Not replayed. */
  async createFromQuery(
    params: CreateOfferStateFromQueryParams,
    options?: RequestOptions,
  ): Promise<OfferState> {
    const query = {
      token: optionalTextArgument('token', params?.token),
      offer_id: optionalIntegerId('offer_id', params?.offer_id),
      channel_id: optionalTextArgument('channel_id', params?.channel_id),
    }
    return this.request(
      {
        operation: 'offerStates.createFromQuery',
        query,
        body: offerStateInputBody(params?.offer_state),
        parse: jsonBody(offerStateResponseSchema),
      },
      options,
    )
  }

  /** POST /members/{member_id}/offer_states?offer_id&channel_id with an optional `offer_state` body. Not replayed. */
  async issueForMember(
    memberId: SparkflyId,
    params: IssueForMemberParams = {},
    options?: RequestOptions,
  ): Promise<OfferState> {
    const query = {
      offer_id: optionalIntegerId('offer_id', params.offer_id),
      channel_id: optionalTextArgument('channel_id', params.channel_id),
    }
    return this.request(
      {
        operation: 'offerStates.issueForMember',
        params: { member_id: integerId('memberId', memberId) },
        query,
        body: offerStateInputBody(params.offer_state),
        parse: jsonBody(offerStateResponseSchema),
      },
      options,
    )
  }

  /** GET /members/{member_id}/offer_states/{id}. */
  async get(memberId: SparkflyId, id: SparkflyId, options?: RequestOptions): Promise<OfferState> {
    return this.request(
      {
        operation: 'offerStates.get',
        params: { member_id: integerId('memberId', memberId), id: integerId('id', id) },
        parse: jsonBody(offerStateResponseSchema),
      },
      options,
    )
  }

  /** GET /members/{member_id}/offer_states: the member's offer states. */
  async list(memberId: SparkflyId, options?: RequestOptions): Promise<OfferStateList> {
    return this.request(
      {
        operation: 'offerStates.list',
        params: { member_id: integerId('memberId', memberId) },
        parse: jsonBody(offerStateListSchema),
      },
      options,
    )
  }

  /** GET /members/{member_id}/offers/{offer_id}: the member's offer state for an offer. */
  async getByOffer(memberId: SparkflyId, offerId: SparkflyId, options?: RequestOptions): Promise<OfferState> {
    return this.request(
      {
        operation: 'offerStates.getByOffer',
        params: { member_id: integerId('memberId', memberId), offer_id: integerId('offerId', offerId) },
        parse: jsonBody(offerStateResponseSchema),
      },
      options,
    )
  }

  /** GET /members/offer_states?token|credential_identifier|external_ref_id (at least one). */
  async query(params: QueryOfferStateParams, options?: RequestOptions): Promise<OfferState> {
    const query = {
      token: optionalTextArgument('token', params?.token),
      credential_identifier: optionalTextArgument('credential_identifier', params?.credential_identifier),
      external_ref_id: optionalTextArgument('external_ref_id', params?.external_ref_id),
    }
    if (Object.values(query).every((value) => value === undefined)) {
      throw new SparkflyInvalidArgumentError(
        'query',
        'token, credential_identifier or external_ref_id is required',
      )
    }
    return this.request(
      { operation: 'offerStates.query', query, parse: jsonBody(offerStateResponseSchema) },
      options,
    )
  }

  /** PUT /members/{member_id}/offer_states/{id}: sets the given fields. Idempotent. */
  async update(
    memberId: SparkflyId,
    id: SparkflyId,
    update: OfferStateUpdate,
    options?: RequestOptions,
  ): Promise<OfferState> {
    return this.request(
      {
        operation: 'offerStates.update',
        params: { member_id: integerId('memberId', memberId), id: integerId('id', id) },
        body: updateBody(update),
        parse: jsonBody(offerStateResponseSchema),
      },
      options,
    )
  }

  /**
   * POST /members/{member_id}/offer_states/{id}: redeems the offer state (optionally with an update).
   * Not replayed after an ambiguous failure; redeeming twice answers 422 "Offer State already redeemed".
   */
  async redeem(
    memberId: SparkflyId,
    id: SparkflyId,
    update?: OfferStateUpdate,
    options?: RequestOptions,
  ): Promise<OfferState> {
    return this.request(
      {
        operation: 'offerStates.redeem',
        params: { member_id: integerId('memberId', memberId), id: integerId('id', id) },
        body: update === undefined ? undefined : updateBody(update),
        parse: jsonBody(offerStateResponseSchema),
      },
      options,
    )
  }

  /**
   * POST /members/{member_id}/offer_states/{id}/void. Sparkfly answers 200 with no body. Not replayed after
   * an ambiguous failure; voiding twice answers 422 (`SparkflyConflictError`, conflict `already_voided`).
   */
  async void(memberId: SparkflyId, id: SparkflyId, options?: RequestOptions): Promise<void> {
    return this.request(
      {
        operation: 'offerStates.void',
        params: { member_id: integerId('memberId', memberId), id: integerId('id', id) },
        parse: noBody,
      },
      options,
    )
  }

  /** POST /members/offer_states/{id}/void?member_identifier=...: void by the member's external identifier. */
  async voidByMemberIdentifier(
    id: SparkflyId,
    memberIdentifier: string,
    options?: RequestOptions,
  ): Promise<void> {
    return this.request(
      {
        operation: 'offerStates.voidByMemberIdentifier',
        params: { id: integerId('id', id) },
        query: { member_identifier: textArgument('memberIdentifier', memberIdentifier) },
        parse: noBody,
      },
      options,
    )
  }
}
