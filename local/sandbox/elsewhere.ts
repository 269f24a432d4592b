/**
 * Changes made to offers outside the project, as Sparkfly would see them: a redemption at a till integrated with
 * Sparkfly directly, a void in Sparkfly's console, a suspension or its end, an expiry by Sparkfly. Each changes the
 * record (where the sandbox models that state) and adds its activity row. Over HTTP:
 * `POST /_sandbox/elsewhere/<redeem|void|suspend|unsuspend|expire>` with `{"offerStateId"}`, `{"credentialId"}` or
 * `{"code"}`; `POST /_sandbox/activity/truncate` `{"afterRows": n}` makes the next report cut its stream in the
 * middle of row n + 1; `GET /_sandbox/activity` lists the rows.
 */
import { type ActivityRow, ActivityType, activityLog, credentialRow, offerStateRow } from './activity'
import { iso } from './clock'
import type { SandboxCore } from './core'
import type { SandboxStore } from './store'
import { type CredentialRecord, CredentialStatus, type OfferStateRecord, OfferStateStatus } from './types'

/** Which offer a change applies to. */
export interface ElsewhereTarget {
  offerStateId?: number
  credentialId?: number
  code?: string
}

type Found = { offerState: OfferStateRecord } | { credential: CredentialRecord }

function find(store: SandboxStore, target: ElsewhereTarget): Found {
  const offerState =
    target.offerStateId !== undefined
      ? store.offerState(target.offerStateId)
      : target.code !== undefined
        ? store.offerStates((o) => o.credentialIdentifier === target.code)[0]
        : undefined
  if (offerState) return { offerState }
  const credential =
    target.credentialId !== undefined
      ? store.credential(target.credentialId)
      : target.code !== undefined
        ? store.credentials((c) => c.identifier === target.code)[0]
        : undefined
  if (credential) return { credential }
  throw new RangeError('no offer state or credential matches offerStateId / credentialId / code')
}

/** Applies a redeem or void to the record; refuses what Sparkfly would refuse (already redeemed or voided). */
function applyTerminal(found: Found, type: ActivityType, at: string): void {
  const record = 'offerState' in found ? found.offerState : found.credential
  const open = 'offerState' in found ? OfferStateStatus.Incomplete : CredentialStatus.Open
  if (record.status !== open) throw new RangeError(`the offer is already ${record.status}`)
  if (type === ActivityType.redeem) {
    record.status = 'offerState' in found ? OfferStateStatus.Redeemed : CredentialStatus.Redeemed
    record.redeemedAt = at
  } else {
    record.status = 'offerState' in found ? OfferStateStatus.Voided : CredentialStatus.Voided
    record.voidedAt = at
  }
  record.updatedAt = at
}

/** Suspend / unsuspend (tracked beside the record) and expire (the validity ends now). */
function applyOther(store: SandboxStore, found: Found, type: ActivityType, at: string): void {
  const key = 'offerState' in found ? `os#${found.offerState.id}` : `cred#${found.credential.id}`
  const suspended = activityLog(store).suspended
  if (type === ActivityType.suspend) {
    if (suspended.has(key)) throw new RangeError('the offer is already suspended')
    suspended.add(key)
  } else if (type === ActivityType.unsuspend) {
    if (!suspended.delete(key)) throw new RangeError('the offer is not suspended')
  } else if ('offerState' in found) {
    const os = found.offerState
    if (!os.expiresAt || os.expiresAt > at) os.expiresAt = at
    os.updatedAt = at
  }
}

/** Makes one change "elsewhere" and records its activity row. */
export function changeElsewhere(core: SandboxCore, type: ActivityType, target: ElsewhereTarget): ActivityRow {
  if (!Object.values(ActivityType).includes(type) || type === ActivityType.issue) {
    throw new RangeError('the change must be redeem, void, suspend, unsuspend or expire')
  }
  const at = iso(core.clock.now())
  const found = find(core.store, target)
  if (type === ActivityType.redeem || type === ActivityType.void) applyTerminal(found, type, at)
  else applyOther(core.store, found, type, at)
  const row =
    'offerState' in found
      ? offerStateRow(core.store, found.offerState, type, at)
      : credentialRow(core.store, found.credential, type, at)
  return activityLog(core.store).add(row)
}

const targetOf = (body: Record<string, unknown>): ElsewhereTarget => ({
  ...(typeof body.offerStateId === 'number' ? { offerStateId: body.offerStateId } : {}),
  ...(typeof body.credentialId === 'number' ? { credentialId: body.credentialId } : {}),
  ...(typeof body.code === 'string' ? { code: body.code } : {}),
})

type Run = (
  core: SandboxCore,
  body: Record<string, unknown>,
  param: string,
) => { status: number; body: unknown }

/** The admin routes of activity (spread into `adminRoutes`; `:id` is the change's type). */
export const activityAdminRoutes: ReadonlyArray<{ method: string; path: string; run: Run }> = [
  {
    method: 'POST',
    path: '/elsewhere/:id',
    run: (core, body, type) => ({
      status: 201,
      body: changeElsewhere(core, type as ActivityType, targetOf(body)),
    }),
  },
  { method: 'GET', path: '/activity', run: (core) => ({ status: 200, body: activityLog(core.store).rows }) },
  {
    method: 'POST',
    path: '/activity/truncate',
    run: (core, body) => {
      const afterRows = body.afterRows
      if (typeof afterRows !== 'number' || !Number.isInteger(afterRows) || afterRows < 0)
        throw new RangeError('afterRows must be an integer >= 0')
      activityLog(core.store).truncateNext = { afterRows }
      return { status: 200, body: { truncateNext: { afterRows } } }
    },
  },
]
