/**
 * One resolver per offer-state endpoint. Each reads its input, applies Sparkfly's rules and answers in the
 * shape that endpoint documents (see docs/sandbox.md for the choices made where the specs disagree).
 */
import {
  checkWindow,
  Input,
  nowIso,
  pathId,
  queryInput,
  type Reply,
  type RequestContext,
  resource,
} from '../context'
import { apiError, type ErrorShape, invalid, Messages, offerStateError } from '../errors'
import { issuedOfferStateBody, offerStateBody, paginate } from '../serialize'
import { type Campaign, CampaignStatus, type Member, type OfferStateRecord, OfferStateStatus } from '../types'

// Shared rules --------------------------------------------------------------------------------------------

const notFound = (shape: ErrorShape, message: string) =>
  shape === 'api_error' ? apiError(404, message) : offerStateError(404, message)

function memberFromPath(ctx: RequestContext, shape: ErrorShape = 'offer_state_error'): Member {
  const id = pathId(ctx.params.member_id)
  const member = id === undefined ? undefined : ctx.store.member(id)
  if (!member) throw notFound(shape, Messages.memberNotFound)
  return member
}

function offerStateOfMember(
  ctx: RequestContext,
  member: Member,
  shape: ErrorShape = 'offer_state_error',
): OfferStateRecord {
  const id = pathId(ctx.params.offerstate_id)
  const os = id === undefined ? undefined : ctx.store.offerState(id)
  if (!os || os.memberId !== member.id) throw notFound(shape, Messages.offerStateNotFound)
  return os
}

function usableCampaign(campaign: Campaign | undefined): Campaign {
  if (!campaign) throw apiError(422, Messages.campaignNotFound)
  if (campaign.status === CampaignStatus.Suspended) throw apiError(422, Messages.campaignSuspended)
  return campaign
}

/** Throws the 422 that stops a redeem: voided, redeemed, not yet active, expired. */
function assertRedeemable(os: OfferStateRecord, now: Date): void {
  if (os.status === OfferStateStatus.Voided) throw apiError(422, Messages.offerStateAlreadyVoided)
  if (os.status === OfferStateStatus.Redeemed) throw apiError(422, Messages.offerStateAlreadyRedeemed)
  if (os.activatesAt && now.getTime() < Date.parse(os.activatesAt)) {
    throw apiError(422, Messages.offerStateNotYetActive)
  }
  if (os.expiresAt && now.getTime() >= Date.parse(os.expiresAt))
    throw apiError(422, Messages.offerStateExpired)
}

/** Throws the 422 that stops a void: already voided, already redeemed. Expired offer states can be voided. */
function assertVoidable(os: OfferStateRecord): void {
  if (os.status === OfferStateStatus.Voided) throw apiError(422, Messages.offerStateAlreadyVoided)
  if (os.status === OfferStateStatus.Redeemed) throw apiError(422, Messages.offerStateAlreadyRedeemed)
}

function redeem(ctx: RequestContext, os: OfferStateRecord): void {
  assertRedeemable(os, ctx.now)
  os.status = OfferStateStatus.Redeemed
  os.redeemedAt = nowIso(ctx)
  os.updatedAt = os.redeemedAt
}

function voidIt(ctx: RequestContext, os: OfferStateRecord): void {
  assertVoidable(os)
  os.status = OfferStateStatus.Voided
  os.voidedAt = nowIso(ctx)
  os.updatedAt = os.voidedAt
}

interface WindowInput {
  activatesAt: string | null
  expiresAt: string | null
  externalRefId: string | null
  campaignXid: string | undefined
}

/** The optional `offer_state` object of offer_state_request bodies. */
function readOfferStateRequest(ctx: RequestContext, input: Input): WindowInput {
  const body = new Input(resource(ctx.body, 'offer_state') ?? {})
  const out = {
    activatesAt: body.time('activates_at') ?? null,
    expiresAt: body.time('expires_at') ?? null,
    externalRefId: body.string('external_ref_id') ?? null,
    campaignXid: body.string('campaign_id'),
  }
  checkWindow(body, out.activatesAt, out.expiresAt)
  body.done()
  input.done()
  return out
}

/**
 * The offer (and campaign) a query-parameter create refers to: an existing offer state's osid (`token`),
 * `offer_id`, or the body's `campaign_id` (XID).
 */
function offerToCreate(
  ctx: RequestContext,
  query: { token?: string; offerId?: number },
  campaignXid: string | undefined,
): { offerId: number; campaign: Campaign } {
  if (query.token !== undefined) {
    const source = ctx.store.offerStates((o) => o.token === query.token)[0]
    if (!source) throw offerStateError(404, Messages.offerStateNotFound)
    const campaign = source.campaignId === null ? undefined : ctx.store.campaignById(source.campaignId)
    return { offerId: source.offerId, campaign: usableCampaign(campaign) }
  }
  if (query.offerId !== undefined) {
    if (!ctx.store.offer(query.offerId)) throw offerStateError(404, Messages.offerNotFound)
    const active = ctx.store.activeCampaignOfOffer(query.offerId)
    const campaign = active ?? ctx.store.campaignsOfOffer(query.offerId)[0]
    return { offerId: query.offerId, campaign: usableCampaign(campaign) }
  }
  if (campaignXid !== undefined) {
    const campaign = usableCampaign(ctx.store.campaign(campaignXid))
    return { offerId: campaign.offerId, campaign }
  }
  throw invalid({ offer_id: ["can't be blank (give offer_id, token or offer_state.campaign_id)"] })
}

function checkChannel(ctx: RequestContext, input: Input, channelId: number | undefined): void {
  if (channelId !== undefined && !ctx.store.channel(channelId))
    input.errors.add('channel_id', 'does not exist')
}

function newOfferState(
  ctx: RequestContext,
  fields: { memberId: number | null; offerId: number; campaign: Campaign; channelId: number | null } & Omit<
    WindowInput,
    'campaignXid'
  >,
): OfferStateRecord {
  const now = nowIso(ctx)
  return ctx.store.addOfferState({
    offerId: fields.offerId,
    memberId: fields.memberId,
    campaignId: fields.campaign.id,
    campaignXid: fields.campaign.xid,
    channelId: fields.channelId,
    status: OfferStateStatus.Incomplete,
    externalRefId: fields.externalRefId,
    activatesAt: fields.activatesAt,
    expiresAt: fields.expiresAt,
    value: 0,
    locked: false,
    createdAt: now,
    updatedAt: now,
    redeemedAt: null,
    voidedAt: null,
  })
}

// Resolvers ----------------------------------------------------------------------------------------------

/** offerStates.issue: POST /members/offer_states/issue (high throughput) -> 201. */
export function issueOfferState(ctx: RequestContext): Reply {
  const fields = resource(ctx.body, 'offer_state')
  if (!fields) throw invalid({ offer_state: ["can't be blank"] })
  const input = new Input(fields)
  const campaignXid = input.string('campaign_id', true)
  const memberId = input.int('member_id')
  const memberIdentifier = input.string('member_identifier')
  if (memberId === undefined && memberIdentifier === undefined && !input.has('member_id')) {
    input.errors.add('member_id', "can't be blank when member_identifier is absent")
  }
  const activatesAt = input.time('activates_at') ?? null
  const expiresAt = input.time('expires_at') ?? null
  const externalRefId = input.string('external_ref_id') ?? null
  checkWindow(input, activatesAt, expiresAt)
  input.done()

  const member =
    memberId !== undefined ? ctx.store.member(memberId) : ctx.store.memberByIdentifier(memberIdentifier ?? '')
  if (!member) throw offerStateError(404, Messages.memberNotFound)
  const campaign = usableCampaign(ctx.store.campaign(campaignXid ?? ''))

  const os = newOfferState(ctx, {
    memberId: member.id,
    offerId: campaign.offerId,
    campaign,
    channelId: null,
    activatesAt,
    expiresAt,
    externalRefId,
  })
  return { status: 201, body: issuedOfferStateBody(os) }
}

/** offerStates.createFromQuery: POST /members/offer_states?token|offer_id|channel_id -> 201, no member. */
export function createOfferStateFromQuery(ctx: RequestContext): Reply {
  const query = queryInput(ctx.query)
  const token = query.string('token')
  const offerId = query.int('offer_id')
  const channelId = query.int('channel_id')
  checkChannel(ctx, query, channelId)
  const request = readOfferStateRequest(ctx, query)
  const { offerId: offer, campaign } = offerToCreate(ctx, { token, offerId }, request.campaignXid)
  const os = newOfferState(ctx, {
    memberId: null,
    offerId: offer,
    campaign,
    channelId: channelId ?? null,
    ...request,
  })
  return { status: 201, body: offerStateBody(ctx.store, os) }
}

/**
 * offerStates.issueForMember: POST /members/{member_id}/offer_states?channel_id&offer_id -> 200.
 * With `token` (an osid) it transfers that offer state to the member instead of creating one.
 */
export function issueOfferStateForMember(ctx: RequestContext): Reply {
  const member = memberFromPath(ctx)
  const query = queryInput(ctx.query)
  const token = query.string('token')
  const offerId = query.int('offer_id')
  const channelId = query.int('channel_id')
  checkChannel(ctx, query, channelId)
  const request = readOfferStateRequest(ctx, query)

  if (token !== undefined) {
    const existing = ctx.store.offerStates((o) => o.token === token)[0]
    if (!existing) throw offerStateError(404, Messages.offerStateNotFound)
    assertVoidable(existing)
    existing.memberId = member.id
    existing.updatedAt = nowIso(ctx)
    return { status: 200, body: offerStateBody(ctx.store, existing) }
  }

  const { offerId: offer, campaign } = offerToCreate(ctx, { offerId }, request.campaignXid)
  const os = newOfferState(ctx, {
    memberId: member.id,
    offerId: offer,
    campaign,
    channelId: channelId ?? null,
    ...request,
  })
  return { status: 200, body: offerStateBody(ctx.store, os) }
}

/** offerStates.get: GET /members/{member_id}/offer_states/{offerstate_id}. */
export function getOfferState(ctx: RequestContext): Reply {
  const os = offerStateOfMember(ctx, memberFromPath(ctx))
  return { status: 200, body: offerStateBody(ctx.store, os) }
}

/**
 * offerStates.list: GET /members/{member_id}/offer_states?channel_id&page&per_page (offer_state_index_body).
 * `channel_id` is required in the platform profile (its description marks it so); it names the channel the list
 * is shown in, not a filter (an offer state's issuing channel is not part of Sparkfly's answers), so every
 * offer state of the member is listed. The offer-states profile takes none.
 */
export function listOfferStates(ctx: RequestContext): Reply {
  const member = memberFromPath(ctx)
  const query = queryInput(ctx.query)
  query.int('channel_id', ctx.readings.listNeedsChannel)
  const { page, perPage } = query.pagination()
  query.done()
  const all = ctx.store.offerStates((o) => o.memberId === member.id)
  return { status: 200, body: pageOf(ctx, all, page, perPage) }
}

/** `{page, per_page, total_entries, total_pages, offer_states: [{offer_state, errors}]}` */
function pageOf(ctx: RequestContext, all: OfferStateRecord[], page: number, perPage: number) {
  const result = paginate(all, page, perPage)
  return { ...result.page, offer_states: result.items.map((os) => offerStateBody(ctx.store, os)) }
}

/** offerStates.getByOffer: GET /members/{member_id}/offers/{offer_id}: the member's latest offer state of that offer. */
export function getOfferStateByOffer(ctx: RequestContext): Reply {
  const member = memberFromPath(ctx)
  const offerId = pathId(ctx.params.offer_id)
  if (offerId === undefined || !ctx.store.offer(offerId)) throw offerStateError(404, Messages.offerNotFound)
  const found = ctx.store.offerStates((o) => o.memberId === member.id && o.offerId === offerId).at(-1)
  if (!found) throw offerStateError(404, Messages.offerStateNotFound)
  return { status: 200, body: offerStateBody(ctx.store, found) }
}

/**
 * offerStates.query: GET /members/offer_states?token|credential_identifier|external_ref_id. The two descriptions
 * disagree: the platform answers a page of matches (empty when none), the offer-states description the first
 * match as one `offer_state` (404 when none). The profile's `query` reading picks one.
 */
export function queryOfferStates(ctx: RequestContext): Reply {
  const query = queryInput(ctx.query)
  const token = query.string('token')
  const code = query.string('credential_identifier')
  const externalRefId = query.string('external_ref_id')
  const { page, perPage } = query.pagination()
  if (token === undefined && code === undefined && externalRefId === undefined) {
    query.errors.add('token', 'or credential_identifier or external_ref_id is required')
  }
  query.done()
  const matches = ctx.store.offerStates(
    (o) =>
      (token === undefined || o.token === token) &&
      (code === undefined || o.credentialIdentifier === code) &&
      (externalRefId === undefined || o.externalRefId === externalRefId),
  )
  if (ctx.readings.query === 'page') return { status: 200, body: pageOf(ctx, matches, page, perPage) }
  const first = matches[0]
  if (!first) throw offerStateError(404, Messages.offerStateNotFound)
  return { status: 200, body: offerStateBody(ctx.store, first) }
}

/**
 * offerStates.update: PUT /members/{member_id}/offer_states/{offerstate_id}.
 * Changes activates_at, expires_at, external_ref_id, value, locked; a `status` of "redeemed" or "voided"
 * goes through the same rules as redeem and void.
 */
export function updateOfferState(ctx: RequestContext): Reply {
  const os = offerStateOfMember(ctx, memberFromPath(ctx))
  const input = new Input(resource(ctx.body, 'offer_state') ?? {})
  const activatesAt = input.has('activates_at') ? (input.time('activates_at') ?? null) : os.activatesAt
  const expiresAt = input.has('expires_at') ? (input.time('expires_at') ?? null) : os.expiresAt
  const externalRefId = input.string('external_ref_id')
  const value = input.int('value')
  const locked = input.boolean('locked')
  const status = input.string('status')
  if (status !== undefined && status !== os.status && status !== 'redeemed' && status !== 'voided') {
    input.errors.add('status', 'can only change to redeemed or voided')
  }
  checkWindow(input, activatesAt, expiresAt)
  input.done()

  if (status === 'redeemed' && os.status !== status) redeem(ctx, os)
  if (status === 'voided' && os.status !== status) voidIt(ctx, os)
  os.activatesAt = activatesAt
  os.expiresAt = expiresAt
  if (externalRefId !== undefined) os.externalRefId = externalRefId
  if (value !== undefined) os.value = value
  if (locked !== undefined) os.locked = locked
  os.updatedAt = nowIso(ctx)
  return { status: 200, body: offerStateBody(ctx.store, os) }
}

/**
 * offerStates.redeem: POST /members/{member_id}/offer_states/{offerstate_id} with an `offer_state_update` body:
 * an update through a POST. With the `body` reading only `status: "redeemed"` redeems (other fields are
 * applied, nothing is redeemed); with `any` every POST redeems. A refused redeem answers 422 (see `redeem`).
 */
export function redeemOfferState(ctx: RequestContext): Reply {
  const os = offerStateOfMember(ctx, memberFromPath(ctx))
  const input = new Input(resource(ctx.body, 'offer_state') ?? {})
  const value = input.int('value')
  const status = input.string('status')
  const redeems = ctx.readings.redeem === 'any' || status === OfferStateStatus.Redeemed
  if (!redeems && status !== undefined && status !== os.status) {
    input.errors.add('status', 'can only change to redeemed through this call')
  }
  input.done()
  if (redeems) redeem(ctx, os)
  if (value !== undefined) os.value = value
  if (!redeems) os.updatedAt = nowIso(ctx)
  return { status: 200, body: offerStateBody(ctx.store, os) }
}

/** offerStates.void: POST /members/{member_id}/offer_states/{offerstate_id}/void -> 200 (no body), 404/422 api_error. */
export function voidOfferState(ctx: RequestContext): Reply {
  const member = memberFromPath(ctx, 'api_error')
  const os = offerStateOfMember(ctx, member, 'api_error')
  voidIt(ctx, os)
  return { status: 200 }
}

/** offerStates.voidByMemberIdentifier: POST /members/offer_states/{offerstate_id}/void?member_identifier=... */
export function voidOfferStateByMemberIdentifier(ctx: RequestContext): Reply {
  const query = queryInput(ctx.query)
  const identifier = query.string('member_identifier', true)
  query.done()
  const member = ctx.store.memberByIdentifier(identifier ?? '')
  if (!member) throw apiError(404, Messages.memberNotFound)
  const os = offerStateOfMember(ctx, member, 'api_error')
  voidIt(ctx, os)
  return { status: 200 }
}
