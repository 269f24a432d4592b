/** One resolver per credential endpoint (paths under /v1.0/credentials). */
import { Input, nowIso, pathId, queryInput, type Reply, type RequestContext, resource } from '../context'
import { apiError, invalid, Messages } from '../errors'
import { credentialBody, paginate } from '../serialize'
import { type CredentialRecord, CredentialStatus } from '../types'

function credentialFromPath(ctx: RequestContext): CredentialRecord {
  const id = pathId(ctx.params.credential_id)
  const credential = id === undefined ? undefined : ctx.store.credential(id)
  if (!credential) throw apiError(404, Messages.credentialNotFound)
  return credential
}

/**
 * The fields of a credential_input_request. Sparkfly reads them from the `credential` body object or from
 * query parameters (its guide uses `?member_id=&offer_id=&channel_id=`); the body wins.
 */
function credentialInput(ctx: RequestContext): Input {
  const fromQuery = Object.fromEntries(ctx.query.entries())
  return new Input({ ...fromQuery, ...(resource(ctx.body, 'credential') ?? {}) })
}

interface CredentialFields {
  memberId?: number
  offerIds?: number[]
  channelId?: number
  storeId?: number
  reusable?: boolean
  annotations?: Record<string, unknown>
}

/**
 * Reads and checks the fields (each must name something that exists). A create needs `member_id` and
 * `channel_id` (Sparkfly's guide: `{"error": "channel_id is required"}`); offers are optional (without one the
 * credential has no code yet). Refused with `{error, message}`: 400 on update, the profile's status on create.
 */
function readCredentialFields(ctx: RequestContext, input: Input, creating: boolean): CredentialFields {
  if (creating && !input.has('channel_id')) throw invalidCreate(ctx, { channel_id: ['is required'] })
  const memberId = input.int('member_id', creating)
  const single = input.int('offer_id')
  const many = input.ints('offer_ids')
  const offerIds = many ?? (single === undefined ? undefined : [single])
  const fields: CredentialFields = {
    memberId,
    offerIds,
    channelId: input.int('channel_id'),
    storeId: input.int('store_id'),
    reusable: input.boolean('reusable'),
    annotations: input.object('annotations'),
  }
  if (memberId !== undefined && !ctx.store.member(memberId)) input.errors.add('member_id', 'does not exist')
  for (const offerId of offerIds ?? []) {
    if (!ctx.store.offer(offerId)) input.errors.add('offer_id', `offer ${offerId} does not exist`)
    else if (!ctx.store.activeCampaignOfOffer(offerId))
      input.errors.add('offer_id', `offer ${offerId} is not active`)
  }
  if (fields.channelId !== undefined && !ctx.store.channel(fields.channelId)) {
    input.errors.add('channel_id', 'does not exist')
  }
  if (fields.storeId !== undefined && !ctx.store.store(fields.storeId))
    input.errors.add('store_id', 'does not exist')
  input.errors.throwIfAny(creating ? ctx.readings.credentialRefused : 400)
  return fields
}

const invalidCreate = (ctx: RequestContext, fields: Record<string, string[]>) =>
  invalid(fields, ctx.readings.credentialRefused)

/**
 * credentials.create: POST /credentials -> 201 (platform) or 200 (offer-states) credential_response with status
 * "open"; refused with {error, message} (400 platform, 422 offer-states).
 */
export function createCredential(ctx: RequestContext): Reply {
  const fields = readCredentialFields(ctx, credentialInput(ctx), true)
  const now = nowIso(ctx)
  const credential = ctx.store.addCredential({
    accountId: ctx.accountId,
    memberId: fields.memberId ?? 0,
    offerIds: fields.offerIds ?? [],
    channelId: fields.channelId ?? null,
    storeId: fields.storeId ?? null,
    reusable: fields.reusable ?? false,
    annotations: fields.annotations ?? {},
    status: CredentialStatus.Open,
    createdAt: now,
    updatedAt: now,
    redeemedAt: null,
    voidedAt: null,
  })
  return { status: ctx.readings.credentialCreated, body: reply(ctx, credential) }
}

const reply = (ctx: RequestContext, credential: CredentialRecord) =>
  credentialBody(ctx.store, credential, ctx.readings)

/** credentials.get: GET /credentials/{credential_id}. */
export function getCredential(ctx: RequestContext): Reply {
  return { status: 200, body: reply(ctx, credentialFromPath(ctx)) }
}

/** credentials.list: GET /credentials?member_id&offer_id&store_id&page&per_page. */
export function listCredentials(ctx: RequestContext): Reply {
  const query = queryInput(ctx.query)
  const memberId = query.int('member_id')
  const offerId = query.int('offer_id')
  const storeId = query.int('store_id')
  const { page, perPage } = query.pagination()
  query.done()
  const all = ctx.store.credentials(
    (c) =>
      (memberId === undefined || c.memberId === memberId) &&
      (offerId === undefined || c.offerIds.includes(offerId)) &&
      (storeId === undefined || c.storeId === storeId),
  )
  const result = paginate(all, page, perPage)
  return {
    status: 200,
    body: { ...result.page, credentials: result.items.map((c) => reply(ctx, c)) },
  }
}

/** credentials.update: PUT /credentials/{credential_id} -> 201 (as Sparkfly documents). */
export function updateCredential(ctx: RequestContext): Reply {
  const credential = credentialFromPath(ctx)
  const fields = readCredentialFields(ctx, credentialInput(ctx), false)
  if (fields.memberId !== undefined) credential.memberId = fields.memberId
  if (fields.offerIds !== undefined) credential.offerIds = fields.offerIds
  ctx.store.ensureCredentialCode(credential)
  if (fields.channelId !== undefined) credential.channelId = fields.channelId
  if (fields.storeId !== undefined) credential.storeId = fields.storeId
  if (fields.reusable !== undefined) credential.reusable = fields.reusable
  if (fields.annotations !== undefined) credential.annotations = fields.annotations
  credential.updatedAt = nowIso(ctx)
  return { status: 201, body: reply(ctx, credential) }
}

/** credentials.delete: DELETE /credentials/{credential_id} -> 200 with the deleted credential. */
export function deleteCredential(ctx: RequestContext): Reply {
  const credential = credentialFromPath(ctx)
  ctx.store.deleteCredential(credential.id)
  return { status: 200, body: reply(ctx, credential) }
}

/** credentials.redeem: PUT /credentials/{credential_id}/redeem -> 201; 422 when voided or (not reusable) redeemed. */
export function redeemCredential(ctx: RequestContext): Reply {
  const credential = credentialFromPath(ctx)
  if (credential.status === CredentialStatus.Voided) throw apiError(422, Messages.credentialAlreadyVoided)
  if (credential.status === CredentialStatus.Redeemed && !credential.reusable) {
    throw apiError(422, Messages.credentialAlreadyRedeemed)
  }
  credential.status = CredentialStatus.Redeemed
  credential.redeemedAt = nowIso(ctx)
  credential.updatedAt = credential.redeemedAt
  return { status: 201, body: reply(ctx, credential) }
}

/** credentials.void: PUT /credentials/{credential_id}/void -> 201; 422 when already voided or redeemed. */
export function voidCredential(ctx: RequestContext): Reply {
  const credential = credentialFromPath(ctx)
  if (credential.status === CredentialStatus.Voided) throw apiError(422, Messages.credentialAlreadyVoided)
  if (credential.status === CredentialStatus.Redeemed) throw apiError(422, Messages.credentialAlreadyRedeemed)
  credential.status = CredentialStatus.Voided
  credential.voidedAt = nowIso(ctx)
  credential.updatedAt = credential.voidedAt
  return { status: 201, body: reply(ctx, credential) }
}

export const EligibilityStatus = {
  eligible: 'eligible',
  memberNotFound: 'member_not_found',
  offerNotFound: 'offer_not_found',
  offerNotActive: 'offer_not_active',
} as const

/** credentials.eligibility: GET /credentials/eligible?member_id&offer_id -> {is_eligible, status}. */
export function credentialEligibility(ctx: RequestContext): Reply {
  const query = queryInput(ctx.query)
  const memberId = query.int('member_id', true)
  const offerId = query.int('offer_id', true)
  query.done()
  const answer = (status: (typeof EligibilityStatus)[keyof typeof EligibilityStatus]) => ({
    status: 200,
    body: { is_eligible: status === EligibilityStatus.eligible, status },
  })
  if (!ctx.store.member(memberId ?? 0)) return answer(EligibilityStatus.memberNotFound)
  if (!ctx.store.offer(offerId ?? 0)) return answer(EligibilityStatus.offerNotFound)
  if (!ctx.store.activeCampaignOfOffer(offerId ?? 0)) return answer(EligibilityStatus.offerNotActive)
  return answer(EligibilityStatus.eligible)
}
