import { buildOfferEvent, type OfferEventPublisher, OfferEventType } from '../events/outbound'
import { LedgerConflictError } from '../ledger/errors'
import type { EntryWithVoidIntent, VoidIntent } from '../ledger/intents'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import { type LedgerEntry, LedgerStatus, type NewLedgerEntry, OfferKind } from '../ledger/types'
import { compact, type Offer, type OfferRef, OfferStatus, type Offers, type VoidOutcome } from '../offers'
import { VoidConflictError, VoidNotFoundError } from './errors'
import { withKeyLock } from './keyedLock'
import { type VoidActor, VoidConflict, type VoidResult, type VoidTarget } from './types'
import { offerView, remoteView } from './view'

/** What voiding needs: the offers port (reads and the void itself), the ledger and the event publisher. */
export interface VoidDeps {
  offers: Pick<Offers, 'get' | 'findByCode' | 'void'>
  ledger: Pick<Ledger, 'get' | 'findByCode' | 'record' | 'transition'>
  publisher: OfferEventPublisher
  /** CloudEvents `source` of the events we publish. */
  eventSource: string
  /**
   * Records on the offer's ledger entry (still issued) that a request is about to void it; false when the entry is
   * no longer issued. Used for actors with a `requestKey`.
   */
  noteVoidIntent?: (offer: { kind: OfferKind; id: string }, intent: VoidIntent) => Promise<boolean>
  now?: () => Date
}

interface Located {
  kind: OfferKind
  id: string
  /** What Sparkfly said about the offer while locating it (code targets not in the ledger). */
  remote?: Offer
}

/** The member references a target names, if any. */
interface MemberRefs {
  memberId?: string
  memberIdentifier?: string
}

const memberOf = (target: VoidTarget): MemberRefs =>
  'memberId' in target
    ? { memberId: target.memberId }
    : 'memberIdentifier' in target
      ? { memberIdentifier: target.memberIdentifier }
      : {}

const nowOf = (deps: VoidDeps) => (deps.now?.() ?? new Date()).toISOString()

/** The target in words, for details a member of staff can act on. */
export function describeTarget(target: VoidTarget): string {
  if ('code' in target) return `offer with the code ${target.code}`
  if ('credentialId' in target) return `credential ${target.credentialId}`
  if ('memberId' in target) return `offer state ${target.offerStateId} of member ${target.memberId}`
  return `offer state ${target.offerStateId} of the member with identifier ${target.memberIdentifier}`
}

const notFound = (target: VoidTarget) => new VoidNotFoundError(`No ${describeTarget(target)} exists.`)

const CONFLICT_OF_STATUS = {
  [LedgerStatus.voided]: VoidConflict.alreadyVoided,
  [LedgerStatus.redeemed]: VoidConflict.alreadyRedeemed,
  [LedgerStatus.expired]: VoidConflict.expired,
} as const

const kindName = (kind: OfferKind) => (kind === OfferKind.credential ? 'Credential' : 'Offer state')

function conflictOf(entry: LedgerEntry): VoidConflictError {
  const status = entry.status === LedgerStatus.issued ? LedgerStatus.voided : entry.status
  const when = entry.voidedAt ?? entry.redeemedAt ?? entry.expiredAt
  return new VoidConflictError(
    CONFLICT_OF_STATUS[status],
    offerView(entry),
    `${kindName(entry.kind)} ${entry.id} is already ${status}${when ? ` (since ${when})` : ''}; nothing was changed.`,
  )
}

function remoteConflict(offer: Offer, target: VoidTarget): VoidConflictError {
  const status = offer.status === OfferStatus.redeemed ? OfferStatus.redeemed : OfferStatus.voided
  const member = memberOf(target)
  return new VoidConflictError(
    CONFLICT_OF_STATUS[status],
    remoteView({ ...offer, status }, { id: member.memberId, identifier: member.memberIdentifier }),
    `${kindName(offer.kind)} ${offer.id} is already ${status} in Sparkfly; nothing was changed.`,
  )
}

function noMember(view: ReturnType<typeof offerView>): VoidConflictError {
  return new VoidConflictError(
    VoidConflict.noMember,
    view,
    `Offer state ${view.id} has no member; Sparkfly can only void an offer state of a member.`,
  )
}

/**
 * Voids one offer (an offer state or a credential) in Sparkfly, records it in the ledger (`voided`, with the reason
 * and who asked) and publishes `offer.voided`. The one engine behind the staff API and the bulk queue.
 *
 * - The ledger is read first: an offer that is already voided, redeemed or expired there is refused with
 *   {@link VoidConflictError} without calling Sparkfly, so a void never reaches Sparkfly twice from this project.
 * - Sparkfly's own answers map to the same errors: `not_found` -> {@link VoidNotFoundError}, `already_voided` /
 *   `already_redeemed` -> {@link VoidConflictError}. When Sparkfly says "already voided" for an offer the ledger still
 *   holds as issued (an earlier attempt died after its Sparkfly call), the ledger is brought in line and the event
 *   published before the conflict is reported.
 * - An offer issued outside this project (not in the ledger) is looked up in Sparkfly, voided, then recorded in the
 *   ledger as voided with `sourceId` = the request, so later voids, redemptions and the sweep see it.
 * - The event is published before the ledger write: a crash in between leaves the offer `issued` in the ledger and
 *   voided in Sparkfly, which the retry completes (the event id is deterministic, so consumers deduplicate).
 *
 * Failures of Sparkfly itself (5xx, 429, timeouts) propagate unchanged from the offers port (read them with
 * `callFailure`) for the edges to answer or retry.
 *
 * @example
 * const { offer } = await voidOffer({ code: 'K7Q2M9XR' }, 'Fraud ticket 4411', { changedBy: 'staff-42', requestId }, deps)
 */
export async function voidOffer(
  target: VoidTarget,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<VoidResult> {
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
  const remote = await deps.offers.findByCode(target.code)
  if (!remote) throw notFound(target)
  return { kind: remote.kind, id: remote.id, remote }
}

/** The caller named a member: the ledger's offer must be that member's (Sparkfly would answer 404 otherwise). */
function belongsTo(entry: LedgerEntry, target: VoidTarget): boolean {
  if ('memberId' in target && entry.memberId) return entry.memberId === target.memberId
  if ('memberIdentifier' in target && entry.memberIdentifier)
    return entry.memberIdentifier === target.memberIdentifier
  return true
}

/**
 * The port's reference for the void: a credential by its id; an offer state with the member the caller named, else
 * the one known (by id first). Undefined for an offer state without any member: Sparkfly cannot void it.
 */
function voidRef(kind: OfferKind, id: string, target: VoidTarget, known: MemberRefs): OfferRef | undefined {
  if (kind === OfferKind.credential) return { kind, id }
  const named = memberOf(target)
  if (named.memberId || named.memberIdentifier) return { kind, id, ...named }
  if (known.memberId) return { kind, id, memberId: known.memberId }
  if (known.memberIdentifier) return { kind, id, memberIdentifier: known.memberIdentifier }
  return undefined
}

async function voidTracked(
  entry: LedgerEntry,
  target: VoidTarget,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<VoidResult> {
  if (!belongsTo(entry, target)) throw notFound(target)
  if (entry.status !== LedgerStatus.issued) throw conflictOf(entry)
  const ref = voidRef(entry.kind, entry.id, target, entry)
  if (!ref) throw noMember(offerView(entry))

  const pending = (entry as EntryWithVoidIntent).voidIntent
  if (pending) {
    // A request recorded its intent and may have voided it, its answer lost: look before voiding again.
    const current = await deps.offers.get(entry.code ? { ...ref, code: entry.code } : ref)
    if (current?.status === OfferStatus.voided) return recordFound(entry, pending, reason, actor, deps)
  }
  await noteIntent(entry, reason, actor, deps)
  const result = await deps.offers.void(ref)
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
      // was voided outside this project). Complete the record; this same request's retry after a lost answer gets
      // its void, anyone else the answer to a second void.
      return recordFound(entry, pending, reason, actor, deps)
  }
}

/**
 * Records a void Sparkfly already made while the ledger still holds the offer issued. The request whose intent the
 * entry holds made it: to that request's retry it is its own void (answered as voided); anyone else gets the
 * conflict, showing the void as that request's (who, why). Without an intent, the void is recorded as the caller's
 * and answered as a conflict, as for any second void.
 */
async function recordFound(
  entry: LedgerEntry,
  pending: VoidIntent | undefined,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<VoidResult> {
  const own = pending !== undefined && pending.requestKey === actor.requestKey
  if (own) return { offer: offerView(await recordVoid(entry, reason, actor, deps)), tracked: true }
  if (!pending) throw conflictOf(await recordVoid(entry, reason, actor, deps))
  const maker = { changedBy: pending.changedBy, requestId: pending.requestId }
  throw conflictOf(await recordVoid(entry, pending.reason, maker, deps))
}

/** Records the actor's intent on the offer before Sparkfly is called (actors with a `requestKey`). */
async function noteIntent(
  entry: LedgerEntry,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<void> {
  if (actor.requestKey === undefined || !deps.noteVoidIntent) return
  const intent: VoidIntent = {
    requestKey: actor.requestKey,
    requestId: actor.requestId,
    changedBy: actor.changedBy,
    reason,
    at: nowOf(deps),
  }
  if (await deps.noteVoidIntent(entry, intent)) return
  // No longer issued: another writer got there first; answer with what it is now.
  const current = await deps.ledger.get(entry.kind, entry.id)
  throw conflictOf(current ?? entry)
}

/** Sparkfly's view of an offer the ledger does not know; undefined when Sparkfly does not know it either. */
async function readRemote(target: VoidTarget, deps: VoidDeps): Promise<Offer | undefined> {
  if ('credentialId' in target)
    return deps.offers.get({ kind: OfferKind.credential, id: target.credentialId })
  if ('memberId' in target) {
    return deps.offers.get({ kind: OfferKind.offerState, id: target.offerStateId, memberId: target.memberId })
  }
  return undefined
}

async function voidUntracked(
  located: Located,
  target: VoidTarget,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<VoidResult> {
  // An offer state known by member identifier alone has no code to read it by: it is voided without looking first.
  const readable = !('memberIdentifier' in target)
  const remote = located.remote ?? (readable ? await readRemote(target, deps) : undefined)
  if (readable && !remote) throw notFound(target)
  if (remote && remote.status !== OfferStatus.open) throw remoteConflict(remote, target)
  const known: Offer = remote ?? { kind: located.kind, id: located.id, status: OfferStatus.open }
  const ref = voidRef(located.kind, located.id, target, known)
  if (!ref) throw noMember(remoteView(known))

  const result = await deps.offers.void(ref)
  if (result.outcome !== 'voided') throw untrackedRefusal(result, known, target)

  const { entry } = await deps.ledger.record(
    untrackedEntry({ ...known, ...result.offer }, target, actor, deps),
  )
  if (entry.status === LedgerStatus.voided) return { offer: offerView(entry), tracked: false }
  if (entry.status !== LedgerStatus.issued) throw conflictOf(entry)
  return { offer: offerView(await recordVoid(entry, reason, actor, deps)), tracked: false }
}

function untrackedRefusal(
  result: Exclude<VoidOutcome, { outcome: 'voided' }>,
  known: Offer,
  target: VoidTarget,
): Error {
  switch (result.outcome) {
    case 'not_found':
      return notFound(target)
    case 'already_voided':
      return remoteConflict({ ...known, status: OfferStatus.voided }, target)
    case 'already_redeemed':
      return remoteConflict({ ...known, status: OfferStatus.redeemed }, target)
  }
}

/** The ledger entry for an offer issued elsewhere that this request voided: its source is the request. */
function untrackedEntry(
  details: Offer,
  target: VoidTarget,
  actor: VoidActor,
  deps: VoidDeps,
): NewLedgerEntry {
  const member = memberOf(target)
  return compact({
    kind: details.kind,
    id: details.id,
    sourceId: actor.requestId,
    issuedAt: details.createdAt ?? nowOf(deps),
    code: details.code,
    memberId: details.memberId ?? member.memberId,
    memberIdentifier: member.memberIdentifier,
    campaignId: details.campaignId,
    offerId: details.offerId,
    channelId: details.channelId,
    storeId: details.storeId,
    activatesAt: details.activatesAt,
    expiresAt: details.expiresAt,
    externalRefId: details.externalRefId,
  })
}

/** Publishes `offer.voided`, then moves the ledger entry to `voided` with the reason and who asked. */
async function recordVoid(
  entry: LedgerEntry,
  reason: string,
  actor: VoidActor,
  deps: VoidDeps,
): Promise<LedgerEntry> {
  const at = nowOf(deps)
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
