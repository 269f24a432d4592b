import { buildOfferEvent, type OfferEventPublisher, OfferEventType } from '../events/outbound'
import { LedgerConflictError } from '../ledger/errors'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import { type LedgerEntry, LedgerStatus, type NewLedgerEntry, OfferKind } from '../ledger/types'
import { VoidConflictError, VoidNotFoundError } from './errors'
import { type OfferStateRef, type RemoteOffer, RemoteStatus, type VoidGateway } from './gateway'
import { withKeyLock } from './keyedLock'
import { type VoidActor, VoidConflict, type VoidOutcome, type VoidTarget } from './types'
import { offerView, remoteView } from './view'

export interface VoidDeps {
  gateway: VoidGateway
  ledger: Pick<Ledger, 'get' | 'findByCode' | 'record' | 'transition'>
  publisher: OfferEventPublisher
  /** CloudEvents `source` of the events we publish. */
  eventSource: string
  now?: () => Date
}

interface Located {
  kind: OfferKind
  id: string
  /** What Sparkfly said about the offer while locating it (code targets not in the ledger). */
  remote?: RemoteOffer
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

const memberOf = (target: VoidTarget): { id?: string; identifier?: string } =>
  'memberId' in target
    ? { id: target.memberId }
    : 'memberIdentifier' in target
      ? { identifier: target.memberIdentifier }
      : {}

/** The target in words, for details a member of staff can act on. */
export function describeTarget(target: VoidTarget): string {
  if ('code' in target) return `offer with the code ${target.code}`
  if ('credentialId' in target) return `credential ${target.credentialId}`
  if ('memberId' in target) return `offer state ${target.offerStateId} of member ${target.memberId}`
  return `offer state ${target.offerStateId} of the member with identifier ${target.memberIdentifier}`
}

const CONFLICT_OF_STATUS = {
  [LedgerStatus.voided]: VoidConflict.alreadyVoided,
  [LedgerStatus.redeemed]: VoidConflict.alreadyRedeemed,
  [LedgerStatus.expired]: VoidConflict.expired,
} as const

function conflictOf(entry: LedgerEntry): VoidConflictError {
  const status = entry.status === LedgerStatus.issued ? LedgerStatus.voided : entry.status
  const kind = entry.kind === OfferKind.credential ? 'Credential' : 'Offer state'
  const when = entry.voidedAt ?? entry.redeemedAt ?? entry.expiredAt
  return new VoidConflictError(
    CONFLICT_OF_STATUS[status],
    offerView(entry),
    `${kind} ${entry.id} is already ${status}${when ? ` (since ${when})` : ''}; nothing was changed.`,
  )
}

function remoteConflict(offer: RemoteOffer, target: VoidTarget): VoidConflictError {
  const status = offer.status === RemoteStatus.redeemed ? LedgerStatus.redeemed : LedgerStatus.voided
  const kind = offer.kind === OfferKind.credential ? 'Credential' : 'Offer state'
  return new VoidConflictError(
    CONFLICT_OF_STATUS[status],
    remoteView({ ...offer, status }, memberOf(target)),
    `${kind} ${offer.id} is already ${status} in Sparkfly; nothing was changed.`,
  )
}

/**
 * Voids one offer (an offer state or a credential) in Sparkfly, records it in the ledger (`voided`, with the reason
 * and who asked) and publishes `offer.voided`. The one engine behind the staff API and the bulk queue.
 *
 * - The ledger is read first: an offer that is already voided, redeemed or expired there is refused with
 *   {@link VoidConflictError} without calling Sparkfly, so a void never reaches Sparkfly twice from this project.
 * - Sparkfly's own refusals map to the same errors: 404 -> {@link VoidNotFoundError}, "already voided/redeemed" ->
 *   {@link VoidConflictError}. When Sparkfly says "already voided" for an offer the ledger still holds as issued (an
 *   earlier attempt died after its Sparkfly call), the ledger is brought in line and the event published before the
 *   conflict is reported.
 * - An offer issued outside this project (not in the ledger) is looked up in Sparkfly, voided, then recorded in the
 *   ledger as voided with `sourceId` = the request, so later voids, redemptions and the sweep see it.
 * - The event is published before the ledger write: a crash in between leaves the offer `issued` in the ledger and
 *   voided in Sparkfly, which the retry completes (the event id is deterministic, so consumers deduplicate).
 *
 * Failures of Sparkfly itself (5xx, 429, timeouts) are thrown unchanged for the adapters to answer or retry.
 *
 * @example
 * const { offer } = await voidOffer({ code: 'K7Q2M9XR' }, 'Fraud ticket 4411', { changedBy: 'staff-42', requestId }, deps)
 */
export async function voidOffer(
  target: VoidTarget,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<VoidOutcome> {
  const located = await locate(target, deps)
  return withKeyLock(ledgerKey.offer(located.kind, located.id), async () => {
    const entry = await deps.ledger.get(located.kind, located.id)
    return entry
      ? voidTracked(entry, target, reason, actor, deps)
      : voidUntracked(located, target, reason, actor, deps)
  })
}

async function locate(target: VoidTarget, deps: VoidDeps): Promise<Located> {
  if ('credentialId' in target) return { kind: OfferKind.credential, id: target.credentialId }
  if ('offerStateId' in target) return { kind: OfferKind.offerState, id: target.offerStateId }
  const entry = await deps.ledger.findByCode(target.code)
  if (entry) return { kind: entry.kind, id: entry.id }
  const remote = await deps.gateway.findOfferStateByCode(target.code)
  if (!remote) throw new VoidNotFoundError(`No ${describeTarget(target)} exists.`)
  return { kind: remote.kind, id: remote.id, remote }
}

/** The caller named a member: the ledger's offer must be that member's (Sparkfly would answer 404 otherwise). */
function belongsTo(entry: LedgerEntry, target: VoidTarget): boolean {
  if ('memberId' in target && entry.memberId) return entry.memberId === target.memberId
  if ('memberIdentifier' in target && entry.memberIdentifier)
    return entry.memberIdentifier === target.memberIdentifier
  return true
}

function offerStateRef(
  id: string,
  target: VoidTarget,
  known: { memberId?: string; memberIdentifier?: string },
) {
  const ref: OfferStateRef | undefined =
    'memberId' in target
      ? { offerStateId: id, memberId: target.memberId }
      : 'memberIdentifier' in target
        ? { offerStateId: id, memberIdentifier: target.memberIdentifier }
        : known.memberId
          ? { offerStateId: id, memberId: known.memberId }
          : known.memberIdentifier
            ? { offerStateId: id, memberIdentifier: known.memberIdentifier }
            : undefined
  return ref
}

function noMember(view: ReturnType<typeof offerView>): VoidConflictError {
  return new VoidConflictError(
    VoidConflict.noMember,
    view,
    `Offer state ${view.id} has no member; Sparkfly can only void an offer state of a member.`,
  )
}

async function voidTracked(
  entry: LedgerEntry,
  target: VoidTarget,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<VoidOutcome> {
  if (!belongsTo(entry, target)) throw new VoidNotFoundError(`No ${describeTarget(target)} exists.`)
  if (entry.status !== LedgerStatus.issued) throw conflictOf(entry)

  let result: Awaited<ReturnType<VoidGateway['voidCredential']>>
  if (entry.kind === OfferKind.credential) {
    result = await deps.gateway.voidCredential(entry.id)
  } else {
    const ref = offerStateRef(entry.id, target, entry)
    if (!ref) throw noMember(offerView(entry))
    result = await deps.gateway.voidOfferState(ref)
  }

  switch (result.outcome) {
    case 'voided':
      return { offer: offerView(await recordVoid(entry, reason, actor, deps)), tracked: true }
    case 'not_found':
      throw new VoidNotFoundError(`Sparkfly has no ${describeTarget(target)}.`)
    case 'already_redeemed':
      // Redeemed in Sparkfly without the ledger knowing: the redemption flow owns that change; report it only.
      throw conflictOf({ ...entry, status: LedgerStatus.redeemed })
    case 'already_voided':
      // Voided in Sparkfly but issued in the ledger: an earlier attempt died after its Sparkfly call (or the offer
      // was voided outside this project). Complete the record, then answer as for any second void.
      throw conflictOf(await recordVoid(entry, reason, actor, deps))
  }
}

async function readRemote(target: VoidTarget, deps: VoidDeps): Promise<RemoteOffer | undefined> {
  if ('credentialId' in target) return deps.gateway.getCredential(target.credentialId)
  if ('memberId' in target) return deps.gateway.getOfferState(target.memberId, target.offerStateId)
  return undefined
}

async function voidUntracked(
  located: Located,
  target: VoidTarget,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<VoidOutcome> {
  // Sparkfly has no read of an offer state by member identifier: that one is voided without looking first.
  const readable = !('memberIdentifier' in target)
  const remote = located.remote ?? (readable ? await readRemote(target, deps) : undefined)
  if (readable && !remote) throw new VoidNotFoundError(`No ${describeTarget(target)} exists.`)
  if (remote && remote.status !== RemoteStatus.issued) throw remoteConflict(remote, target)
  const known: RemoteOffer = remote ?? { kind: located.kind, id: located.id, status: RemoteStatus.issued }

  let result: Awaited<ReturnType<VoidGateway['voidCredential']>>
  if (located.kind === OfferKind.credential) {
    result = await deps.gateway.voidCredential(located.id)
  } else {
    const ref = offerStateRef(located.id, target, known)
    if (!ref) throw noMember(remoteView(known))
    result = await deps.gateway.voidOfferState(ref)
  }

  switch (result.outcome) {
    case 'not_found':
      throw new VoidNotFoundError(`No ${describeTarget(target)} exists.`)
    case 'already_voided':
      throw remoteConflict({ ...known, status: RemoteStatus.voided }, target)
    case 'already_redeemed':
      throw remoteConflict({ ...known, status: RemoteStatus.redeemed }, target)
    case 'voided':
      break
  }

  const details = { ...known, ...result.offer }
  const at = (deps.now?.() ?? new Date()).toISOString()
  const member = memberOf(target)
  const record: NewLedgerEntry = compact({
    kind: located.kind,
    id: located.id,
    sourceId: actor.requestId,
    issuedAt: details.createdAt ?? at,
    code: details.code,
    memberId: details.memberId ?? member.id,
    memberIdentifier: member.identifier,
    campaignId: details.campaignId,
    offerId: details.offerId,
    channelId: details.channelId,
    storeId: details.storeId,
    activatesAt: details.activatesAt,
    expiresAt: details.expiresAt,
    externalRefId: details.externalRefId,
  })
  const { entry } = await deps.ledger.record(record)
  if (entry.status === LedgerStatus.voided) return { offer: offerView(entry), tracked: false }
  if (entry.status !== LedgerStatus.issued) throw conflictOf(entry)
  return { offer: offerView(await recordVoid(entry, reason, actor, deps)), tracked: false }
}

/** Publishes `offer.voided`, then moves the ledger entry to `voided` with the reason and who asked. */
async function recordVoid(
  entry: LedgerEntry,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<LedgerEntry> {
  const at = (deps.now?.() ?? new Date()).toISOString()
  const voided: LedgerEntry = {
    ...entry,
    status: LedgerStatus.voided,
    voidedAt: at,
    updatedAt: at,
    voidReason: reason,
    changedBy: actor.changedBy,
  }
  await deps.publisher.publish(
    buildOfferEvent(OfferEventType.voided, voided, deps.eventSource, {
      sourceId: actor.requestId,
      reason,
      changedBy: actor.changedBy,
      occurredAt: at,
    }),
  )
  try {
    return await deps.ledger.transition(entry.kind, entry.id, LedgerStatus.voided, {
      at,
      reason,
      changedBy: actor.changedBy,
    })
  } catch (error) {
    if (!(error instanceof LedgerConflictError) || !error.current) throw error
    // Another writer recorded this offer meanwhile: voided is what we wanted; anything else is a conflict.
    if (error.current.status === LedgerStatus.voided) return error.current
    throw conflictOf(error.current)
  }
}
