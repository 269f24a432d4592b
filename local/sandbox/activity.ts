/**
 * The sandbox's offer activity: one row for every state change of an offer state or credential, made through the
 * API (issue, redeem, void) or "elsewhere" through the admin surface (redeemed at another till, voided in the
 * console, suspended / unsuspended, expired by Sparkfly). The offer-activity report and a member's activities
 * (`resolvers/reports.ts`) read these rows. Rows live beside the store (one log per store), not in its snapshot:
 * a `reset()` keeps them.
 */
import { iso } from './clock'
import type { Reply } from './context'
import type { SandboxStore } from './store'
import { type CredentialRecord, CredentialStatus, type OfferStateRecord, OfferStateStatus } from './types'

export const ActivityType = {
  redeem: 'redeem',
  expire: 'expire',
  issue: 'issue',
  void: 'void',
  suspend: 'suspend',
  unsuspend: 'unsuspend',
} as const
export type ActivityType = (typeof ActivityType)[keyof typeof ActivityType]

/** One activity row (in memory; `reportRow` gives its wire shape). */
export interface ActivityRow {
  id: number
  type: ActivityType
  at: string
  offerId: number | null
  channelId: number | null
  campaignXid: string | null
  credentialIdentifier: string | null
  memberId: number | null
  memberIdentifier: string | null
  /** null for a credential's activity. */
  offerStateId: number | null
  credentialId: number | null
  externalRefId: string | null
}

/** What the report does on its next run: cut the stream in the middle of row `afterRows + 1`. */
export interface TruncateSpec {
  afterRows: number
}

/** The rows, the suspended offers and the pending report fault of one sandbox. */
export class ActivityLog {
  readonly rows: ActivityRow[] = []
  readonly suspended = new Set<string>()
  truncateNext: TruncateSpec | undefined
  private nextId = 900_000_001

  add(row: Omit<ActivityRow, 'id'>): ActivityRow {
    const full = { id: this.nextId, ...row }
    this.nextId += 1
    this.rows.push(full)
    return full
  }

  /** Whether `type` was already recorded for this offer state / credential. */
  has(type: ActivityType, target: { offerStateId?: number; credentialId?: number }): boolean {
    return this.rows.some(
      (r) =>
        r.type === type &&
        (target.offerStateId !== undefined
          ? r.offerStateId === target.offerStateId
          : r.credentialId === target.credentialId),
    )
  }
}

const logs = new WeakMap<SandboxStore, ActivityLog>()

/** The activity log of `store` (created on first use). */
export function activityLog(store: SandboxStore): ActivityLog {
  let log = logs.get(store)
  if (!log) {
    log = new ActivityLog()
    logs.set(store, log)
  }
  return log
}

/** The row of an offer state's change. */
export function offerStateRow(store: SandboxStore, os: OfferStateRecord, type: ActivityType, at: string) {
  const member = os.memberId === null ? undefined : store.member(os.memberId)
  return {
    type,
    at,
    offerId: os.offerId,
    channelId: os.channelId,
    campaignXid: os.campaignXid,
    credentialIdentifier: os.credentialIdentifier,
    memberId: os.memberId,
    memberIdentifier: member?.identifier ?? null,
    offerStateId: os.id,
    credentialId: null,
    externalRefId: os.externalRefId,
  }
}

/** The row of a credential's change. */
export function credentialRow(
  store: SandboxStore,
  credential: CredentialRecord,
  type: ActivityType,
  at: string,
) {
  return {
    type,
    at,
    offerId: credential.offerIds[0] ?? null,
    channelId: credential.channelId,
    campaignXid: null,
    credentialIdentifier: credential.identifier,
    memberId: credential.memberId,
    memberIdentifier: store.member(credential.memberId)?.identifier ?? null,
    offerStateId: null,
    credentialId: credential.id,
    externalRefId: null,
  }
}

const OPERATION_ACTIVITY: Record<string, ActivityType> = {
  'offerStates.issue': ActivityType.issue,
  'offerStates.createFromQuery': ActivityType.issue,
  'offerStates.issueForMember': ActivityType.issue,
  'offerStates.redeem': ActivityType.redeem,
  'offerStates.void': ActivityType.void,
  'offerStates.voidByMemberIdentifier': ActivityType.void,
  'credentials.create': ActivityType.issue,
  'credentials.redeem': ActivityType.redeem,
  'credentials.void': ActivityType.void,
}

/** The id an API answer or path names (`offer_state.id`, `credential.id`, `:offerstate_id`, `:credential_id`). */
function targetId(params: Record<string, string>, reply: Reply, key: 'offer_state' | 'credential'): number {
  const fromPath = key === 'offer_state' ? params.offerstate_id : params.credential_id
  if (fromPath !== undefined) return Number(fromPath)
  const inner = (reply.body as Record<string, Record<string, unknown>> | undefined)?.[key]
  return Number(inner?.id ?? inner?.offer_state_id)
}

/** Records the activity of a successful API operation that changed an offer state or credential. */
export function recordApiActivity(
  store: SandboxStore,
  now: Date,
  operation: string,
  params: Record<string, string>,
  reply: Reply,
): void {
  const type = OPERATION_ACTIVITY[operation]
  if (!type || reply.status >= 300) return
  const log = activityLog(store)
  const at = iso(now)
  if (operation.startsWith('offerStates.')) {
    const os = store.offerState(targetId(params, reply, 'offer_state'))
    const changed = os && (type !== ActivityType.redeem || os.status === OfferStateStatus.Redeemed)
    if (os && changed && !log.has(type, { offerStateId: os.id })) log.add(offerStateRow(store, os, type, at))
    return
  }
  const credential = store.credential(targetId(params, reply, 'credential'))
  const changed =
    credential && (type !== ActivityType.redeem || credential.status === CredentialStatus.Redeemed)
  const repeatable = type === ActivityType.redeem && credential?.reusable
  if (credential && changed && (repeatable || !log.has(type, { credentialId: credential.id }))) {
    log.add(credentialRow(store, credential, type, at))
  }
}
