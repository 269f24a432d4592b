/**
 * Types shared by the sandbox modules and by the code that starts it.
 * Wire shapes (snake_case JSON) live in `serialize.ts`; these are the in-memory records (camelCase).
 */

/** Operation names: the same names the Sparkfly client uses for its logs and errors. */
export const OPERATIONS = [
  'auth',
  'credentials.create',
  'credentials.get',
  'credentials.list',
  'credentials.update',
  'credentials.delete',
  'credentials.redeem',
  'credentials.void',
  'credentials.eligibility',
  'offerStates.issue',
  'offerStates.createFromQuery',
  'offerStates.issueForMember',
  'offerStates.get',
  'offerStates.list',
  'offerStates.getByOffer',
  'offerStates.query',
  'offerStates.update',
  'offerStates.redeem',
  'offerStates.void',
  'offerStates.voidByMemberIdentifier',
] as const

export type OperationName = (typeof OPERATIONS)[number]

export const OfferStateStatus = {
  /** Sparkfly's own value for an issued, not yet used offer state. */
  Incomplete: 'incomplete',
  Redeemed: 'redeemed',
  Voided: 'voided',
} as const
export type OfferStateStatus = (typeof OfferStateStatus)[keyof typeof OfferStateStatus]

export const CredentialStatus = {
  Active: 'active',
  Redeemed: 'redeemed',
  Voided: 'voided',
} as const
export type CredentialStatus = (typeof CredentialStatus)[keyof typeof CredentialStatus]

export const CampaignStatus = {
  Active: 'active',
  Suspended: 'suspended',
} as const
export type CampaignStatus = (typeof CampaignStatus)[keyof typeof CampaignStatus]

export interface Account {
  id: number
  identity: string
  key: string
}

export interface Member {
  id: number
  identifier: string
  createdAt: string
}

export interface Offer {
  id: number
  name: string
  description: string
  merchantId: number
  merchantName: string
}

export interface Campaign {
  id: number
  xid: string
  name: string
  status: CampaignStatus
  offerId: number
}

export interface Channel {
  id: number
  name: string
}

export interface Store {
  id: number
  name: string
}

/** In-memory offer state (the API and admin show it as `OfferState`). */
export interface OfferStateRecord {
  id: number
  offerId: number
  /** null for an offer state created without a member (POST /members/offer_states). */
  memberId: number | null
  campaignId: number | null
  campaignXid: string | null
  channelId: number | null
  status: OfferStateStatus
  /** The code entered or scanned at the POS. */
  credentialIdentifier: string
  /** The osid. */
  token: string
  externalRefId: string | null
  activatesAt: string | null
  expiresAt: string | null
  value: number
  locked: boolean
  createdAt: string
  updatedAt: string
  redeemedAt: string | null
  voidedAt: string | null
}

/** In-memory credential (the API and admin show it as `Credential`). */
export interface CredentialRecord {
  id: number
  accountId: number
  identifier: string
  memberId: number
  offerIds: number[]
  channelId: number | null
  storeId: number | null
  reusable: boolean
  annotations: Record<string, unknown>
  status: CredentialStatus
  createdAt: string
  updatedAt: string
  redeemedAt: string | null
  voidedAt: string | null
}

/**
 * An offer state as the API answers it (the object inside `{"offer_state": ...}`), with the sandbox's extra
 * fields `channel_id`, `redeemed_at` and `voided_at`. Admin reads return the same shape.
 */
export interface OfferState {
  offer_state_id: number
  offer_id: number
  member_id: number | null
  status: OfferStateStatus
  value: number
  locked: boolean
  created_at: string
  updated_at: string
  activates_at: string | null
  expires_at: string | null
  external_ref_id: string | null
  barcode_image_url: null
  custom_data: null
  credential_custom_data: null
  effective_activates_at: string
  effective_expires_at: string | null
  offer_activities: unknown[]
  offer_name: string | null
  offer_short_name: string | null
  offer_campaign_name: string
  offer_group: null
  offer_description: string | null
  offer_value_required: number
  offer_terms_and_conditions: null
  offer_web_image_url: null
  offer_web_thumb_url: null
  offer_mobile_image_url: null
  offer_mobile_thumb_url: null
  is_reward: boolean
  credential_identifier: string
  token: string
  transferable: boolean
  reusable: boolean
  offer_tags: unknown[]
  offer_campaign_tags: unknown[]
  campaign_external_id: string
  campaign_xid: string
  campaign_id: number | null
  channel_id: number | null
  redeemed_at: string | null
  voided_at: string | null
}

/**
 * A credential as the API answers it (the object inside `{"credential": ...}`), with the sandbox's extra
 * fields `status`, `redeemed_at` and `voided_at`. Admin reads return the same shape.
 */
export interface Credential {
  id: number
  account_id: number
  created_at: string
  updated_at: string
  identifier: string
  member_id: number
  store_id: number | null
  channel_id: number | null
  offer_ids: number[]
  annotations: Record<string, unknown>
  code_lifetime: null
  supports_barcode: boolean
  merchant_id: number | null
  offer_name: string | null
  merchant_name: string | null
  location_address: null
  url: null
  reusable: boolean
  status: CredentialStatus
  redeemed_at: string | null
  voided_at: string | null
}

/** Latency bounds: a fixed delay, or a uniformly random one between minMs and maxMs. */
export interface LatencyBounds {
  fixedMs?: number
  minMs?: number
  maxMs?: number
}

export interface LatencySpec extends LatencyBounds {
  /** Overrides the defaults above for the named operations. */
  perOperation?: Partial<Record<OperationName, LatencyBounds>>
}

/**
 * Faults that lose the answer AFTER the operation ran: the request took effect, the client cannot know.
 * `apply-then-503` answers 503 instead of the operation's answer; `apply-then-reset` destroys the connection;
 * `apply-then-hang` never answers (the client's timeout fires; stop() closes the connection).
 */
export const LOST_ANSWER_FAULTS = ['apply-then-503', 'apply-then-reset', 'apply-then-hang'] as const
export type LostAnswerFault = (typeof LOST_ANSWER_FAULTS)[number]

/**
 * 429, 500, 503, `hang` and `reset` (`drop` is its older name) answer BEFORE the operation runs: nothing changed.
 * The lost-answer faults run it first.
 */
export type FaultKind = 429 | 500 | 503 | 'hang' | 'drop' | 'reset' | LostAnswerFault

/** Probability (0..1) of each fault per request; they add up to at most 1 and are rolled once per request. */
export interface FaultRates {
  '429'?: number
  '500'?: number
  '503'?: number
  hang?: number
  drop?: number
  reset?: number
  'apply-then-503'?: number
  'apply-then-reset'?: number
  'apply-then-hang'?: number
}

export interface FaultSpec {
  /** Rates for every operation (or those in `operations`) without its own entry in `perOperation`. */
  rates?: FaultRates
  /** Rates of the named operations; they replace `rates` (and `operations`) for those operations. */
  perOperation?: Partial<Record<OperationName, FaultRates>>
  /** Retry-After seconds sent with injected 429 and 503 answers (default 1). */
  retryAfterSeconds?: number
  /** Restrict `rates` to these operations (default: every API operation). */
  operations?: OperationName[]
  /** The next `count` (default 1) requests, of `operation` if given, fail this way. */
  failNext?: { status: FaultKind; count?: number; operation?: OperationName }
  /** Seed for the random rolls (rates and random latency) so a run can be replayed. */
  seed?: number
  /** Each token answers this many API calls; the next call with it gets 401 (the token is gone). */
  tokenExpiresEveryCalls?: number
}

export interface RequestLogEntry {
  /** Sandbox-clock time the request arrived (ISO-8601). */
  at: string
  method: string
  /** Path and query string as received (no headers, so never a token). */
  path: string
  operation: OperationName | 'unknown'
  /** HTTP status answered; 0 when the sandbox hung or dropped the request. */
  status: number
  requestId: string
  /**
   * Set when the sandbox injected the answer (fault or rate limit) instead of the operation's answer;
   * `tokenExpiry` / `tokenRevoked`: the 401 came from `tokenExpiresEveryCalls` / a revoked token.
   */
  fault?: FaultKind | 'rateLimit' | 'tokenExpiry' | 'tokenRevoked'
  /** The status the operation produced when it ran; with a lost-answer fault the client never saw it. */
  appliedStatus?: number
  durationMs: number
}

export interface CampaignInput {
  xid?: string
  status?: CampaignStatus
  offerName?: string
}

export interface SandboxOptions {
  /** Port to bind (default 0: a free port). */
  port?: number
  /** Host to bind (default 127.0.0.1). */
  host?: string
  /** Lifetime of /auth tokens on the sandbox clock (default 86400 s = 24 h). */
  tokenTtlSeconds?: number
  /** Load the default fixtures (default true). */
  seed?: boolean
  /** More campaigns to seed (e.g. the XIDs a rules file names); they survive reset(). */
  campaigns?: CampaignInput[]
  /** Start time of the sandbox clock (default: the real time). */
  now?: Date | string
  /** Stop the sandbox clock: it then moves only by admin.clock.advance/set (default false: it runs with real time). */
  freezeClock?: boolean
  latency?: LatencySpec
  faults?: FaultSpec
  /** API requests accepted per (real) second; more answer 429 with Retry-After. */
  rateLimitPerSecond?: number
  /** Do not print a line per request (default true; the CLI sets false). */
  quiet?: boolean
  /** Use this account instead of a random one (the key should start with `sbx_key_`). */
  account?: { identity?: string; key?: string }
  /**
   * Called once per API request, right after it was answered (or hung / dropped), with its request log entry
   * (never a token or a body). Lets a harness act at a precise point, e.g. kill a consumer right after Sparkfly
   * answered it. Errors it throws are ignored.
   */
  onRequest?: (entry: Readonly<RequestLogEntry>) => void
  /**
   * Called once per API request whose operation ran (its effect is in the store), BEFORE the answer leaves;
   * the answer waits for a returned promise. `appliedStatus` is the operation's status, `fault` a lost-answer
   * fault about to replace it. Lets a harness crash a client between "applied" and "answered". Errors are ignored.
   */
  onApplied?: (entry: Readonly<RequestLogEntry>) => void | Promise<void>
}

export interface SandboxFixtures {
  /** At least 5 members. */
  members: Array<{ id: number; identifier: string }>
  campaigns: {
    active: { xid: string; offerId: number }
    suspended: { xid: string; offerId: number }
  }
  channelId: number
  storeId: number
  /** The active campaign's offer, usable for credentials. */
  offerId: number
}

export interface SandboxClock {
  now(): Date
  advance(ms: number): Date
  set(date: Date | string): Date
}

export interface CreateOfferStateInput {
  memberId: number | null
  campaignXid: string
  activatesAt?: string | Date
  expiresAt?: string | Date
  externalRefId?: string
  channelId?: number
  status?: OfferStateStatus
}

export interface CreateCredentialInput {
  memberId: number
  offerId: number
  channelId?: number
  storeId?: number
  status?: CredentialStatus
}

export interface SandboxState {
  now: string
  members: Member[]
  offers: Offer[]
  campaigns: Campaign[]
  channels: Channel[]
  stores: Store[]
  offerStates: OfferState[]
  credentials: Credential[]
}

export interface SandboxAdmin {
  createMember(input?: { identifier?: string }): Member
  /** A campaign and its offer; `xid` lets rules files name it (default: random). */
  createCampaign(input?: CampaignInput): { xid: string; offerId: number }
  setCampaignStatus(xid: string, status: CampaignStatus): Campaign
  createChannel(input?: { name?: string }): Channel
  createStore(input?: { name?: string }): Store
  /** Writes an offer state directly (no API call, not counted, no campaign status check). */
  createOfferState(input: CreateOfferStateInput): OfferState
  /** Writes a credential directly (no API call, not counted). */
  createCredential(input: CreateCredentialInput): Credential
  createAccount(input?: { identity?: string; key?: string }): { identity: string; key: string }
  clock: SandboxClock
  setFaults(spec: FaultSpec): void
  clearFaults(): void
  faults(): FaultSpec
  setLatency(spec: LatencySpec): void
  setRateLimit(perSecond: number | null): void
  setTokenTtl(seconds: number): void
  counters(): Record<OperationName, number>
  requests(): RequestLogEntry[]
  resetCounters(): void
  state(): SandboxState
  offerStates(): OfferState[]
  credentials(): Credential[]
  getOfferState(id: number): OfferState | undefined
  getCredential(id: number): Credential | undefined
  /** Back to the seeded state: data, counters, request log, faults, latency and rate limit as at start. */
  reset(): void
  /** Every token issued so far stops working (the next call with it answers 401); /auth mints new ones. */
  revokeTokens(): void
  /** This token stops working from now on (401); false when the sandbox never issued it. */
  revokeToken(token: string): boolean
}

export interface Sandbox {
  /** Base URL including /v1.0, e.g. http://127.0.0.1:50123/v1.0 */
  url: string
  /** http://127.0.0.1:50123 (admin routes live under `${origin}/_sandbox`). */
  origin: string
  account: { identity: string; key: string }
  fixtures: SandboxFixtures
  admin: SandboxAdmin
  stop(): Promise<void>
}
