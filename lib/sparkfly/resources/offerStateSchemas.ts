import * as z from '../../validation/zod'
import { aliased, lazy, responseFields, unwrapped } from '../schemas'
import { args, optional } from '../validation'

/** The status an offer state has once redeemed (what a redeem's `offer_state_update` sets). */
const REDEEMED = 'redeemed'

/** Answers of the offer state operations (loose: unknown fields and statuses pass through). */
function responseSchemas() {
  const f = responseFields()
  const offerState = aliased(
    'id',
    'offer_state_id',
    z.looseObject({
      offer_state_id: f.id,
      offer_id: f.optionalId,
      member_id: f.optionalId,
      status: f.optionalString,
      value: f.optionalInteger,
      locked: f.optionalBoolean,
      created_at: f.optionalString,
      updated_at: f.optionalString,
      activates_at: f.optionalString,
      expires_at: f.optionalString,
      effective_activates_at: f.optionalString,
      effective_expires_at: f.optionalString,
      external_ref_id: f.optionalString,
      /** The code entered or scanned at the point of sale. */
      credential_identifier: f.optionalString,
      /** The offer state's osid (not an auth token). */
      token: f.optionalString,
      barcode_image_url: f.optionalString,
      custom_data: z.optional(z.unknown()),
      credential_custom_data: z.optional(z.unknown()),
      offer_activities: z.nullish(z.array(z.unknown())),
      offer_name: f.optionalString,
      offer_short_name: f.optionalString,
      offer_campaign_name: f.optionalString,
      offer_group: f.optionalString,
      offer_description: f.optionalString,
      /** Integer in one spec, boolean in the other: passed through as sent. */
      offer_value_required: z.optional(z.unknown()),
      offer_terms_and_conditions: f.optionalString,
      is_reward: f.optionalBoolean,
      transferable: f.optionalBoolean,
      reusable: f.optionalBoolean,
      offer_tags: z.nullish(z.array(z.unknown())),
      offer_campaign_tags: z.nullish(z.array(z.unknown())),
      campaign_external_id: f.optionalString,
      campaign_xid: f.optionalString,
      /** Integer in `offer_state`; some answers carry the campaign XID here instead. */
      campaign_id: z.nullish(z.union([z.number(), z.string()])),
    }),
  )

  const issued = aliased(
    'offer_state_id',
    'id',
    z.looseObject({
      id: f.id,
      member_id: f.id,
      offer_id: f.id,
      /** Campaign XID used for the issuance. */
      campaign_id: z.string(),
      credential_identifier: z.string(),
      activates_at: f.optionalString,
      expires_at: f.optionalString,
    }),
  )

  const list = z.looseObject({ ...f.page, offer_states: z.array(unwrapped('offer_state', offerState)) })
  /**
   * The answer of GET /members/offer_states: a page of matches (platform description) or the first match as
   * one `{offer_state}` (offer-states description). Either becomes the list of matches (empty: none).
   */
  const matches = z.union([
    z.pipe(
      z.looseObject({ offer_states: z.array(unwrapped('offer_state', offerState)) }),
      z.transform((page) => page.offer_states),
    ),
    z.pipe(
      z.looseObject({ offer_state: offerState }),
      z.transform((single) => [single.offer_state]),
    ),
  ])
  return { offerState, issued, list, matches }
}

/** Caller arguments of the offer state operations, validated and turned into the wire form. */
function argumentSchemas() {
  const input = z.object({
    activates_at: optional(args.date()),
    expires_at: optional(args.date()),
    external_ref_id: optional(args.text()),
    campaign_id: optional(args.text()),
  })
  const wrap = <T>(offer_state: T) => ({ offer_state })

  const issueInput = z
    .object({
      /** XID of an active (not suspended) campaign. */
      campaign_id: args.text(),
      member_id: optional(args.idNumber()),
      /** The member's external identifier. */
      member_identifier: optional(args.text()),
      /** Free reference kept on the offer state (not unique in Sparkfly). */
      external_ref_id: optional(args.text()),
      activates_at: optional(args.date()),
      expires_at: optional(args.date()),
    })
    .check(
      z.refine((value) => value.member_id !== undefined || value.member_identifier !== undefined, {
        message: 'member_id or member_identifier is required',
        path: ['member_id'],
      }),
    )

  // `null` clears a date, so it is sent as is.
  const nullableDate = z.optional(z.nullable(args.date()))
  const update = z.looseObject({
    status: z.optional(z.string()),
    value: z.optional(z.number()),
    locked: z.optional(z.boolean()),
    is_reward: z.optional(z.boolean()),
    offer_name: z.optional(z.string()),
    offer_value_required: z.optional(z.nullable(z.union([z.boolean(), z.number()]))),
    activates_at: nullableDate,
    expires_at: nullableDate,
  })

  const memberId = args.id()
  const offerStateId = args.id()
  return {
    /** Body of POST /members/offer_states/issue. */
    issueBody: z.pipe(issueInput, z.transform(wrap)),
    /** Optional `offer_state_request` body of the two create-from-offer calls. */
    inputBody: z.optional(z.pipe(input, z.transform(wrap))),
    /** `offer_state_update` body of update. */
    updateBody: z.pipe(update, z.transform(wrap)),
    /**
     * `offer_state_update` body of redeem (an update through a POST): always carries `status: "redeemed"`, so
     * the call redeems whether Sparkfly applies the body or redeems on any POST.
     */
    redeemBody: z.pipe(
      z.optional(update),
      z.transform((fields) => wrap({ ...fields, status: REDEEMED })),
    ),
    member: z.object({ member_id: memberId }),
    memberAndId: z.object({ member_id: memberId, id: offerStateId }),
    memberAndOffer: z.object({ member_id: memberId, offer_id: args.id() }),
    id: z.object({ id: offerStateId }),
    voidQuery: z.object({ member_identifier: args.text() }),
  }
}

/** Query parameters of the offer state operations that take them. */
function querySchemas() {
  return {
    listQuery: z.object({
      /** The channel the list is shown in: required by the platform description, absent from the other. */
      channel_id: optional(args.idNumber()),
      /** 1-based page number. */
      page: optional(args.page()),
      per_page: optional(args.page()),
    }),
    createFromQueryQuery: z.object({
      /** An offer state's osid. */
      token: optional(args.text()),
      offer_id: optional(args.id()),
      channel_id: optional(args.text()),
    }),
    issueForMemberQuery: z.object({ offer_id: optional(args.id()), channel_id: optional(args.text()) }),
    lookupQuery: z
      .object({
        /** An offer state's osid. */
        token: optional(args.text()),
        credential_identifier: optional(args.text()),
        /** First offer state with this reference (not unique in Sparkfly). */
        external_ref_id: optional(args.text()),
      })
      .check(
        z.refine((query) => Object.values(query).some((value) => value !== undefined), {
          message: 'token, credential_identifier or external_ref_id is required',
        }),
      ),
  }
}

/**
 * The zod schemas of the offer state operations (`/members/...`): caller arguments (validated and turned into
 * the wire form) and answers. Built on first use.
 */
export const offerStateSchemas = lazy(() => ({
  ...responseSchemas(),
  ...argumentSchemas(),
  ...querySchemas(),
}))

type Schemas = ReturnType<typeof offerStateSchemas>

/**
 * Offer state status: `incomplete` when issued (Sparkfly's own example), then `redeemed` or `voided`.
 * Other values pass through.
 */
export type OfferStateStatus = 'incomplete' | 'redeemed' | 'voided' | (string & {})

/**
 * An offer issued to a member (`offer_state`). Fields not listed are kept as Sparkfly sent them.
 * `offer_state_id` is always set (taken from `id` when Sparkfly only sends that).
 */
export type OfferState = z.output<Schemas['offerState']>

/** The answer of the high-throughput issue endpoint (`offer_state` of its 201). */
export type IssuedOfferState = z.output<Schemas['issued']>

/** A member's offer states, with the paging fields. */
export type OfferStateList = z.output<Schemas['list']>

/** Filters and paging of `client.offerStates.list` (`channel_id` is required by the platform description). */
export type ListOfferStatesParams = z.input<Schemas['listQuery']>

/** Body of POST /members/offer_states/issue. `member_id` or `member_identifier` is required. */
export type IssueOfferStateParams = z.input<Schemas['issueBody']>

/** Optional offer state fields sent when creating one (`offer_state_request`). */
export type OfferStateInput = NonNullable<z.input<Schemas['inputBody']>>

/** Fields of an offer state to change (`offer_state_update`). Other fields are sent as given. */
export type OfferStateUpdate = z.input<Schemas['updateBody']>

/** POST /members/offer_states: query parameters plus the optional body. */
export type CreateOfferStateFromQueryParams = z.input<Schemas['createFromQueryQuery']> & {
  offer_state?: OfferStateInput
}

/** POST /members/{member_id}/offer_states: query parameters plus the optional body. */
export type IssueForMemberParams = z.input<Schemas['issueForMemberQuery']> & { offer_state?: OfferStateInput }

/** GET /members/offer_states: at least one of these. */
export type QueryOfferStateParams = z.input<Schemas['lookupQuery']>
