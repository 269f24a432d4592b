import { buildOfferEvent, OfferEventType } from '../events/outbound'
import type { ApplyOutcome, ReconciledEntry } from '../ledger/reconciliation'
import { LedgerStatus, OfferKind } from '../ledger/types'
import { type Activity, ActivityKind, ActivityOutcome, type ReconcileDeps } from './types'

/** What applying one activity needs from the run. */
export interface ApplyContext {
  deps: ReconcileDeps
  dryRun: boolean
  /** Counts one offer event published. */
  published(): void
}

type Terminal = Exclude<LedgerStatus, 'issued'>

/** The ledger status each state-changing activity leads to. */
const TARGET: Partial<Record<ActivityKind, Terminal>> = {
  redeem: LedgerStatus.redeemed,
  void: LedgerStatus.voided,
  expire: LedgerStatus.expired,
}

const EVENT: Record<Terminal, OfferEventType> = {
  redeemed: OfferEventType.redeemed,
  voided: OfferEventType.voided,
  expired: OfferEventType.expired,
}

/** Ledger states that already account for the activity (the change went through this project). */
const EXPLAINS: Partial<Record<ActivityKind, readonly LedgerStatus[]>> = {
  redeem: [LedgerStatus.redeemed],
  // The sweep voids in Sparkfly what it marks expired.
  void: [LedgerStatus.voided, LedgerStatus.expired],
  expire: [LedgerStatus.expired, LedgerStatus.voided],
}

const changedBy = (activity: Activity) => `sparkfly:${activity.kind}`
const offerOf = (entry: ReconciledEntry) => entry.pk

/** The ledger entry an activity names: its offer state, else the offer with its code. */
async function locate(deps: ReconcileDeps, activity: Activity): Promise<ReconciledEntry | undefined> {
  if (activity.offerStateId) return deps.reconciliation.get(OfferKind.offerState, activity.offerStateId)
  if (!activity.code) return undefined
  const found = await deps.ledger.findByCode(activity.code)
  return found && deps.reconciliation.get(found.kind, found.id)
}

/** Publishes the event of a change made elsewhere, then records that it is out. */
async function publish(
  ctx: ApplyContext,
  entry: ReconciledEntry,
  activity: Activity,
  to: Terminal,
): Promise<void> {
  if (entry.origin === 'sparkfly') return // consumers never heard of it: no events for offers we did not issue
  const event = buildOfferEvent(EVENT[to], entry, ctx.deps.eventSource, {
    changedBy: changedBy(activity),
    sourceId: `sparkfly-activity:${activity.id}`,
    occurredAt: activity.at,
  })
  await ctx.deps.publisher.publish(event)
  ctx.published()
  await ctx.deps.reconciliation.markPublished(entry.kind, entry.id, activity.id)
}

/** An activity applied before: publishes its event again only if a crash came between the write and the publish. */
async function settleDuplicate(
  ctx: ApplyContext,
  entry: ReconciledEntry,
  activity: Activity,
): Promise<ActivityOutcome> {
  const to = TARGET[activity.kind]
  const unpublished =
    to !== undefined &&
    entry.status === to &&
    entry.changedBy === changedBy(activity) &&
    entry.publishedActivities?.has(activity.id) !== true
  if (unpublished && !ctx.dryRun) await publish(ctx, entry, activity, to)
  return ActivityOutcome.duplicate
}

/** Notes an activity the ledger already shows, or reports the drift when nothing explains it. */
async function explainOrDrift(
  ctx: ApplyContext,
  entry: ReconciledEntry,
  activity: Activity,
): Promise<ActivityOutcome> {
  const explained = EXPLAINS[activity.kind]?.includes(entry.status) === true
  if (!explained) {
    ctx.deps.logger.warn('Reconciliation drift', {
      offer: offerOf(entry),
      ledgerStatus: entry.status,
      activity: { id: activity.id, kind: activity.kind, at: activity.at },
    })
  }
  if (ctx.dryRun) return explained ? ActivityOutcome.explained : ActivityOutcome.drift
  const fields: Record<string, string> = explained ? {} : { lastDrift: `${activity.kind}:${activity.id}` }
  const noted = await ctx.deps.reconciliation.note(entry.kind, entry.id, activity.id, fields)
  if (noted.outcome === 'duplicate') return ActivityOutcome.duplicate
  return explained ? ActivityOutcome.explained : ActivityOutcome.drift
}

/** A redeem, void or expire: moves an issued offer forward (and publishes), else explains or reports drift. */
async function applyTerminal(
  ctx: ApplyContext,
  entry: ReconciledEntry,
  activity: Activity,
  to: Terminal,
): Promise<ActivityOutcome> {
  if (entry.reconciledActivities?.has(activity.id)) return settleDuplicate(ctx, entry, activity)
  if (entry.status !== LedgerStatus.issued) return explainOrDrift(ctx, entry, activity)
  if (ctx.dryRun) return ActivityOutcome.applied
  const result: ApplyOutcome = await ctx.deps.reconciliation.transition(entry.kind, entry.id, to, {
    id: activity.id,
    at: activity.at,
    changedBy: changedBy(activity),
  })
  if (result.outcome === 'applied') {
    await publish(ctx, result.entry, activity, to)
    return ActivityOutcome.applied
  }
  // Another writer moved it meanwhile: judge against what the ledger holds now.
  if (!result.current) return ActivityOutcome.unmatched
  return applyTerminal(ctx, result.current, activity, to)
}

/** Issue, suspend, unsuspend: noted on the offer (suspension as a flag), no status change and no event. */
async function applyNote(
  ctx: ApplyContext,
  entry: ReconciledEntry,
  activity: Activity,
): Promise<ActivityOutcome> {
  if (entry.reconciledActivities?.has(activity.id)) return ActivityOutcome.duplicate
  const fields: Record<string, boolean> =
    activity.kind === ActivityKind.issue ? {} : { suspended: activity.kind === ActivityKind.suspend }
  const isChange = activity.kind !== ActivityKind.issue
  if (ctx.dryRun) return isChange ? ActivityOutcome.applied : ActivityOutcome.explained
  const noted = await ctx.deps.reconciliation.note(entry.kind, entry.id, activity.id, fields)
  if (noted.outcome === 'duplicate') return ActivityOutcome.duplicate
  return isChange ? ActivityOutcome.applied : ActivityOutcome.explained
}

/** Records an offer state the project did not issue (dry run: only says so). */
async function recordForeign(ctx: ApplyContext, activity: Activity & { offerStateId: string }) {
  if (ctx.dryRun) return undefined
  return ctx.deps.reconciliation.recordForeign({
    id: activity.offerStateId,
    sourceId: `sparkfly-activity:${activity.id}`,
    issuedAt: activity.at,
    changedBy: changedBy(activity),
    ...(activity.code ? { code: activity.code } : {}),
    ...(activity.memberId ? { memberId: activity.memberId } : {}),
    ...(activity.memberIdentifier ? { memberIdentifier: activity.memberIdentifier } : {}),
    ...(activity.offerId ? { offerId: activity.offerId } : {}),
    ...(activity.externalRefId ? { externalRefId: activity.externalRefId } : {}),
  })
}

/**
 * Applies one Sparkfly activity to the ledger: conditional, forward-only, idempotent by activity id. Changes made
 * elsewhere move the offer and publish its `offer.*` event (`changedBy: sparkfly:<activity>`); what the ledger
 * already shows is noted; contradictions are reported as drift and left as they are.
 */
export async function applyActivity(ctx: ApplyContext, activity: Activity): Promise<ActivityOutcome> {
  let entry = await locate(ctx.deps, activity)
  let foreign = false
  if (!entry) {
    if (!activity.offerStateId) return ActivityOutcome.unmatched
    foreign = true
    entry = await recordForeign(ctx, { ...activity, offerStateId: activity.offerStateId })
    if (!entry || activity.kind === ActivityKind.issue) {
      if (entry) await ctx.deps.reconciliation.note(entry.kind, entry.id, activity.id)
      return ActivityOutcome.foreign
    }
  }
  const to = TARGET[activity.kind]
  const outcome = to ? await applyTerminal(ctx, entry, activity, to) : await applyNote(ctx, entry, activity)
  return foreign && outcome === ActivityOutcome.applied ? ActivityOutcome.foreign : outcome
}
