/**
 * The sandbox's own control surface: in-process (`sandbox.admin`) and over HTTP under /_sandbox (a prefix
 * the real API never uses). Admin calls need no token, are never delayed or faulted, and are not counted
 * or logged as API requests.
 */
import { iso } from './clock'
import { DEFAULT_TOKEN_TTL_SECONDS, type SandboxCore, zeroCounters } from './core'
import { accountIdentity, accountKey } from './ids'
import { credentialFields, offerStateFields } from './serialize'
import {
  type CampaignInput,
  CampaignStatus,
  type CreateCredentialInput,
  type CreateOfferStateInput,
  CredentialStatus,
  type FaultSpec,
  type LatencySpec,
  OfferStateStatus,
  type SandboxAdmin,
} from './types'

export const ADMIN_PREFIX = '/_sandbox'

/** A refused admin call (bad input, unknown record): 400 over HTTP. */
export class SandboxAdminError extends Error {
  override name = 'SandboxAdminError'
}

const isIn = <T extends string>(values: Record<string, T>, value: unknown): value is T =>
  Object.values(values).includes(value as T)

function time(value: string | Date | undefined, field: string): string | null {
  if (value === undefined || value === null) return null
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) throw new SandboxAdminError(`${field} is not a valid date-time`)
  return iso(date)
}

/** Adds a campaign (and its offer) after checking the input; used by the admin and for seeding. */
export function addCampaign(core: SandboxCore, input: CampaignInput): { xid: string; offerId: number } {
  const status = input.status ?? CampaignStatus.Active
  if (!isIn(CampaignStatus, status)) throw new SandboxAdminError('status must be "active" or "suspended"')
  if (
    input.xid !== undefined &&
    (typeof input.xid !== 'string' || input.xid === '' || core.store.campaign(input.xid))
  ) {
    throw new SandboxAdminError(`campaign xid ${JSON.stringify(input.xid)} is empty or already taken`)
  }
  const campaign = core.store.addCampaign({
    status,
    offerName: input.offerName ?? 'Sandbox Offer',
    xid: input.xid,
  })
  return { xid: campaign.xid, offerId: campaign.offerId }
}

/** Checks the input and adds an offer state of an existing campaign. */
function createOfferState(core: SandboxCore, input: CreateOfferStateInput) {
  const { store } = core
  const campaign = store.campaign(input.campaignXid)
  if (!campaign) throw new SandboxAdminError(`no campaign with xid ${input.campaignXid}`)
  if (input.memberId !== null && (typeof input.memberId !== 'number' || !store.member(input.memberId))) {
    throw new SandboxAdminError(`no member with id ${input.memberId}`)
  }
  if (input.channelId !== undefined && !store.channel(input.channelId)) {
    throw new SandboxAdminError(`no channel with id ${input.channelId}`)
  }
  const status = input.status ?? OfferStateStatus.Incomplete
  if (!isIn(OfferStateStatus, status))
    throw new SandboxAdminError('status must be incomplete, redeemed or voided')
  const at = iso(core.clock.now())
  const os = store.addOfferState({
    offerId: campaign.offerId,
    memberId: input.memberId,
    campaignId: campaign.id,
    campaignXid: campaign.xid,
    channelId: input.channelId ?? null,
    status,
    externalRefId: input.externalRefId ?? null,
    activatesAt: time(input.activatesAt, 'activatesAt'),
    expiresAt: time(input.expiresAt, 'expiresAt'),
    value: 0,
    locked: false,
    createdAt: at,
    updatedAt: at,
    redeemedAt: status === OfferStateStatus.Redeemed ? at : null,
    voidedAt: status === OfferStateStatus.Voided ? at : null,
  })
  return offerStateFields(store, os)
}

/** Checks the input and adds a credential of the sandbox's account for an existing member and offer. */
function createCredential(core: SandboxCore, input: CreateCredentialInput) {
  const { store } = core
  if (!store.member(input.memberId)) throw new SandboxAdminError(`no member with id ${input.memberId}`)
  if (!store.offer(input.offerId)) throw new SandboxAdminError(`no offer with id ${input.offerId}`)
  const status = input.status ?? CredentialStatus.Active
  if (!isIn(CredentialStatus, status))
    throw new SandboxAdminError('status must be active, redeemed or voided')
  const at = iso(core.clock.now())
  const credential = store.addCredential({
    accountId: core.account.id,
    memberId: input.memberId,
    offerIds: [input.offerId],
    channelId: input.channelId ?? null,
    storeId: input.storeId ?? null,
    reusable: false,
    annotations: {},
    status,
    createdAt: at,
    updatedAt: at,
    redeemedAt: status === CredentialStatus.Redeemed ? at : null,
    voidedAt: status === CredentialStatus.Voided ? at : null,
  })
  return credentialFields(store, credential)
}

type RecordsAdmin = Pick<
  SandboxAdmin,
  | 'createMember'
  | 'createCampaign'
  | 'setCampaignStatus'
  | 'createChannel'
  | 'createStore'
  | 'createOfferState'
  | 'createCredential'
  | 'createAccount'
>

/** The calls that add or change records. */
function recordsAdmin(core: SandboxCore): RecordsAdmin {
  const { store, clock } = core
  return {
    createMember(input = {}) {
      if (input.identifier !== undefined && store.memberByIdentifier(input.identifier)) {
        throw new SandboxAdminError(`a member with identifier ${input.identifier} already exists`)
      }
      return { ...store.addMember(input.identifier, iso(clock.now())) }
    },
    createCampaign(input = {}) {
      return addCampaign(core, input)
    },
    setCampaignStatus(xid, status) {
      const campaign = store.campaign(xid)
      if (!campaign) throw new SandboxAdminError(`no campaign with xid ${xid}`)
      if (!isIn(CampaignStatus, status)) throw new SandboxAdminError('status must be "active" or "suspended"')
      campaign.status = status
      return { ...campaign }
    },
    createChannel(input = {}) {
      return { ...store.addChannel(input.name ?? 'Sandbox Channel') }
    },
    createStore(input = {}) {
      return { ...store.addStore(input.name ?? 'Sandbox Store') }
    },
    createOfferState: (input) => createOfferState(core, input),
    createCredential: (input) => createCredential(core, input),
    createAccount(input = {}) {
      const identity = input.identity ?? accountIdentity()
      if (store.accountByIdentity(identity)) throw new SandboxAdminError('that identity already exists')
      const account = store.addAccount(identity, input.key ?? accountKey())
      return { identity: account.identity, key: account.key }
    },
  }
}

type ControlsAdmin = Pick<
  SandboxAdmin,
  | 'setFaults'
  | 'clearFaults'
  | 'faults'
  | 'setLatency'
  | 'setRateLimit'
  | 'setTokenTtl'
  | 'revokeTokens'
  | 'revokeToken'
>

/** Faults (lost answers included), latency, rate limit, token lifetime and token revocation. */
function controlsAdmin(core: SandboxCore): ControlsAdmin {
  return {
    setFaults(spec: FaultSpec) {
      core.faults.set(spec)
    },
    clearFaults() {
      core.faults.clear()
    },
    faults() {
      return core.faults.current()
    },
    setLatency(spec: LatencySpec) {
      core.faults.setLatency(spec)
    },
    setRateLimit(perSecond) {
      core.faults.setRateLimit(perSecond)
    },
    setTokenTtl(seconds) {
      core.tokens.setTtl(seconds)
    },
    revokeTokens() {
      core.tokens.revokeAll()
    },
    revokeToken(token) {
      if (typeof token !== 'string' || token === '') throw new SandboxAdminError('token must be a string')
      return core.tokens.revoke(token)
    },
  }
}

export function createAdmin(core: SandboxCore): SandboxAdmin {
  const { store, clock } = core
  const admin: SandboxAdmin = {
    ...recordsAdmin(core),
    clock,
    ...controlsAdmin(core),

    counters() {
      return { ...core.counters }
    },
    requests() {
      return core.log.map((entry) => ({ ...entry }))
    },
    resetCounters() {
      core.counters = zeroCounters()
      core.log = []
    },

    state() {
      const { offerStates: _o, credentials: _c, ...rest } = store.dump()
      return {
        now: iso(clock.now()),
        ...rest,
        offerStates: admin.offerStates(),
        credentials: admin.credentials(),
      }
    },
    offerStates() {
      return store.offerStates().map((os) => offerStateFields(store, os))
    },
    credentials() {
      return store.credentials().map((c) => credentialFields(store, c))
    },
    getOfferState(id) {
      const os = store.offerState(id)
      return os && offerStateFields(store, os)
    },
    getCredential(id) {
      const credential = store.credential(id)
      return credential && credentialFields(store, credential)
    },

    reset() {
      store.restore(core.seeded)
      const { options } = core
      core.faults.set(options.faults ?? {})
      core.faults.setLatency(options.latency ?? {})
      core.faults.setRateLimit(options.rateLimitPerSecond ?? null)
      core.tokens.setTtl(options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS)
      admin.resetCounters()
    },
  }
  return admin
}

// HTTP ---------------------------------------------------------------------------------------------------

export interface AdminReply {
  status: number
  body: unknown
}

type Json = Record<string, unknown>

interface AdminRoute {
  method: string
  path: string
  run: (admin: SandboxAdmin, core: SandboxCore, body: Json, param: string) => AdminReply
}

const ok = (body: unknown, status = 200): AdminReply => ({ status, body })

function numberField(body: Json, field: string): number {
  const value = body[field]
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new SandboxAdminError(`${field} must be a number`)
  return value
}

function idParam(param: string): number {
  if (!/^\d+$/.test(param)) throw new SandboxAdminError('the id must be an integer')
  return Number(param)
}

/** The admin HTTP routes (relative to /_sandbox). `:id` is the one path parameter. */
export const adminRoutes: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: '',
    run: () => ok({ routes: adminRoutes.map((r) => `${r.method} ${ADMIN_PREFIX}${r.path}`) }),
  },
  { method: 'GET', path: '/fixtures', run: (_a, core) => ok(core.fixtures) },
  { method: 'GET', path: '/state', run: (a) => ok(a.state()) },
  {
    method: 'POST',
    path: '/reset',
    run: (a) => {
      a.reset()
      return ok({ reset: true })
    },
  },
  {
    method: 'POST',
    path: '/members',
    run: (a, _c, b) => ok(a.createMember(b as { identifier?: string }), 201),
  },
  { method: 'POST', path: '/campaigns', run: (a, _c, b) => ok(a.createCampaign(b), 201) },
  {
    method: 'PUT',
    path: '/campaigns/:id',
    run: (a, _c, b, xid) => ok(a.setCampaignStatus(xid, b.status as CampaignStatus)),
  },
  { method: 'POST', path: '/channels', run: (a, _c, b) => ok(a.createChannel(b as { name?: string }), 201) },
  { method: 'POST', path: '/stores', run: (a, _c, b) => ok(a.createStore(b as { name?: string }), 201) },
  { method: 'GET', path: '/offer_states', run: (a) => ok({ offerStates: a.offerStates() }) },
  {
    method: 'POST',
    path: '/offer_states',
    run: (a, _c, b) => ok(a.createOfferState(b as unknown as CreateOfferStateInput), 201),
  },
  {
    method: 'GET',
    path: '/offer_states/:id',
    run: (a, _c, _b, id) => {
      const os = a.getOfferState(idParam(id))
      return os ? ok(os) : ok({ error: 'Not found' }, 404)
    },
  },
  { method: 'GET', path: '/credentials', run: (a) => ok({ credentials: a.credentials() }) },
  {
    method: 'POST',
    path: '/credentials',
    run: (a, _c, b) => ok(a.createCredential(b as unknown as CreateCredentialInput), 201),
  },
  {
    method: 'GET',
    path: '/credentials/:id',
    run: (a, _c, _b, id) => {
      const credential = a.getCredential(idParam(id))
      return credential ? ok(credential) : ok({ error: 'Not found' }, 404)
    },
  },
  { method: 'GET', path: '/requests', run: (a) => ok({ requests: a.requests() }) },
  { method: 'GET', path: '/counters', run: (a) => ok(a.counters()) },
  {
    method: 'POST',
    path: '/counters/reset',
    run: (a) => {
      a.resetCounters()
      return ok(a.counters())
    },
  },
  { method: 'GET', path: '/faults', run: (a) => ok(a.faults()) },
  {
    method: 'PUT',
    path: '/faults',
    run: (a, _c, b) => {
      a.setFaults(b as FaultSpec)
      return ok(a.faults())
    },
  },
  {
    method: 'DELETE',
    path: '/faults',
    run: (a) => {
      a.clearFaults()
      return ok(a.faults())
    },
  },
  { method: 'GET', path: '/latency', run: (_a, core) => ok(core.faults.latency()) },
  {
    method: 'PUT',
    path: '/latency',
    run: (a, core, b) => {
      a.setLatency(b as LatencySpec)
      return ok(core.faults.latency())
    },
  },
  {
    method: 'DELETE',
    path: '/latency',
    run: (a, core) => {
      a.setLatency({})
      return ok(core.faults.latency())
    },
  },
  {
    method: 'PUT',
    path: '/rate_limit',
    run: (a, core, b) => {
      a.setRateLimit(b.perSecond === null || b.perSecond === undefined ? null : numberField(b, 'perSecond'))
      return ok({ perSecond: core.faults.rateLimit() })
    },
  },
  { method: 'GET', path: '/clock', run: (a) => ok({ now: iso(a.clock.now()) }) },
  {
    method: 'PUT',
    path: '/clock',
    run: (a, _c, b) => {
      if (typeof b.now !== 'string') throw new SandboxAdminError('now must be an ISO-8601 string')
      return ok({ now: iso(a.clock.set(b.now)) })
    },
  },
  {
    method: 'POST',
    path: '/clock/advance',
    run: (a, _c, b) => {
      const ms = b.seconds !== undefined ? numberField(b, 'seconds') * 1000 : numberField(b, 'ms')
      return ok({ now: iso(a.clock.advance(ms)) })
    },
  },
  {
    method: 'PUT',
    path: '/token_ttl',
    run: (a, core, b) => {
      a.setTokenTtl(numberField(b, 'seconds'))
      return ok({ seconds: core.tokens.ttl })
    },
  },
  {
    method: 'POST',
    path: '/tokens/revoke',
    run: (a, _c, b) => {
      // {"token": "..."} revokes that token (404 when unknown); no body revokes every token issued so far.
      if (b.token === undefined) {
        a.revokeTokens()
        return ok({ revoked: true })
      }
      return a.revokeToken(b.token as string) ? ok({ revoked: true }) : ok({ error: 'unknown token' }, 404)
    },
  },
]

/** Answers one admin request; `path` is the part after /_sandbox. */
export function handleAdmin(
  admin: SandboxAdmin,
  core: SandboxCore,
  method: string,
  path: string,
  rawBody: string,
): AdminReply {
  const trimmed = path.replace(/\/+$/, '')
  for (const route of adminRoutes) {
    if (route.method !== method) continue
    const param = matchAdminPath(route.path, trimmed)
    if (param === undefined) continue
    let body: Json = {}
    try {
      const parsed: unknown = rawBody.trim() === '' ? {} : JSON.parse(rawBody)
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return ok({ error: 'the body must be a JSON object' }, 400)
      }
      body = parsed as Json
    } catch {
      return ok({ error: 'the body is not valid JSON' }, 400)
    }
    try {
      return route.run(admin, core, body, param)
    } catch (error) {
      if (error instanceof SandboxAdminError || error instanceof RangeError)
        return ok({ error: error.message }, 400)
      throw error
    }
  }
  return ok({ error: 'Not found' }, 404)
}

/** '' when the route has no parameter and matches, the parameter when it has one, undefined otherwise. */
function matchAdminPath(pattern: string, path: string): string | undefined {
  if (!pattern.includes(':id')) return pattern === path ? '' : undefined
  const [before, after] = pattern.split(':id') as [string, string]
  if (!path.startsWith(before) || !path.endsWith(after)) return undefined
  const param = path.slice(before.length, path.length - after.length)
  return param !== '' && !param.includes('/') ? decodeURIComponent(param) : undefined
}
