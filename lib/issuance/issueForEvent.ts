import { createHash } from 'node:crypto'
import { TransientError } from '../errors'
import type { LoyaltyEvent } from '../events/inbound'
import { buildOfferEvent, type OfferEventPublisher, OfferEventType } from '../events/outbound'
import type { IssuanceClaim, IssuanceClaims } from '../ledger/claims'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import type { LedgerEntry, NewLedgerEntry } from '../ledger/types'
import { type CallOptions, callFailure, type IssueRequest, type Offer, type Offers } from '../offers'
import { type IssuanceWindow, issueRequest, windowFor } from './request'
import { type IssuanceRule, type IssuanceRules, rulesFor } from './rules'

export interface IssuanceDeps {
  /** Sparkfly, through the offers port: issuance issues, and looks up what an earlier attempt may have issued. */
  offers: Pick<Offers, 'issue' | 'findByExternalRef'>
  /** The record of what was issued. */
  ledger: Pick<Ledger, 'record' | 'entryFor'>
  /** The claims that make issuance exactly-once; a settled claim keeps the offer's ledger entry. */
  claims: Pick<IssuanceClaims, 'take' | 'settle' | 'release' | 'markPublished'>
  publisher: OfferEventPublisher
  rules: IssuanceRules
  /** CloudEvents `source` of the events we publish. */
  eventSource: string
  /** Identifies this attempt (the Lambda request id) as the holder of issuance claims. */
  owner: string
  /**
   * The delivery this attempt works for (the SQS message id, the same on every redelivery of one message). A claim
   * settled by the same delivery may have been left by a crash before its record or event went out, so a
   * redelivery finishes both; other copies of the event just answer the result. Absent: always finish them.
   */
  deliveryId?: string
  /**
   * When every Sparkfly call of this attempt must be over: before the invocation's own deadline, with room left to
   * write the outcome. The claim's lease outlives it by {@link ISSUANCE_CLAIM_LIMITS}.leaseSafetyMs.
   */
  callDeadline: Date
  now?: () => Date
}

/** What issuance remembers of an offer: the claim's result and the answer to a duplicate. */
export type IssuedOfferRef = Pick<Offer, 'kind' | 'id' | 'code'>

/** What happened for one (event, rule). */
export interface IssuanceOutcome {
  ruleId: string
  status: 'issued' | 'recovered' | 'duplicate'
  offer: IssuedOfferRef
}

/**
 * How long a request Sparkfly may still apply after the caller gave up on it protects its claim. A call must be
 * over (answered or abandoned) this long before the claim's lease ends, and a claim released after a call that may
 * have reached Sparkfly stays closed this long: otherwise a redelivery's look-up can miss an issue that is still in
 * flight, and issue a second offer.
 */
export const ISSUANCE_CLAIM_LIMITS = {
  /** Time Sparkfly may still apply a request after the caller gave up on it. */
  leaseSafetyMs: 4_000,
  /** Below this budget no call is started; the record is retried later. */
  minCallMs: 500,
} as const

const claimKey = (event: LoyaltyEvent, rule: IssuanceRule) =>
  ledgerKey.claim(
    `issue:${createHash('sha256').update(`${event.source}\n${event.id}`).digest('base64url')}:${rule.id}`,
  )

/**
 * Could the failed call have been applied at Sparkfly (a 5xx, a timeout, a lost connection, or a failure that is
 * not Sparkfly's answer at all, such as our own deadline aborting it)? Then the next attempt looks the offer up
 * before issuing.
 */
function mayHaveBeenApplied(error: unknown): boolean {
  const failure = callFailure(error)
  return failure === undefined || failure.applied === 'maybe'
}

/**
 * Issues what the rules say for one loyalty event, exactly once per (event, rule):
 * 1. a conditional claim in the ledger stops a concurrent duplicate (it gets `busy` and is retried by SQS) and
 *    returns the stored result to a later duplicate (`duplicate`, no Sparkfly call);
 * 2. when a previous attempt died or failed after its request may have reached Sparkfly, the offer is looked up by
 *    its `external_ref_id` before anything is issued (`recovered`); such a failed attempt keeps its claim closed
 *    for the safety window, so that a request still in flight at Sparkfly lands before anyone looks;
 * 3. one conditional write settles the claim with the offer's ledger entry while, beside it, the entry is recorded
 *    and `offer.issued` published; a redelivery of the message that settled the claim makes sure of both
 *    (idempotent writes, the same event id) before it answers `duplicate`.
 * Two sequential AWS calls per issued offer: the claim, then the settle/record/publish step.
 * Events that match no rule return an empty list. Throws {@link PermanentError} for what no retry fixes (an invalid
 * window, a credential rule without `member.id`), {@link TransientError} while another attempt holds the claim or
 * when too little time is left before `callDeadline`, and lets the offers port's failures through.
 *
 * @example
 * const outcomes = await issueForEvent(event, { offers, ledger, claims, publisher, rules, eventSource, owner, callDeadline })
 * // [{ ruleId: 'tier-upgrade-reward', status: 'issued', offer: { kind: 'offerState', id: '1001', code: '...' } }]
 */
export async function issueForEvent(
  event: LoyaltyEvent,
  deps: IssuanceDeps,
  receivedAt: Date = new Date(),
): Promise<IssuanceOutcome[]> {
  const outcomes: IssuanceOutcome[] = []
  for (const rule of rulesFor(deps.rules, event.type)) {
    outcomes.push(await issueOnce(event, rule, deps, receivedAt))
  }
  return outcomes
}

/** Where one attempt stands: what a failure leaves for the next attempt. */
interface Progress {
  /** An offer may exist at Sparkfly for this (event, rule): the next attempt must look it up first. */
  mayHaveIssued: boolean
  /** The claim is settled: nothing to release. */
  settled: boolean
}

async function issueOnce(
  event: LoyaltyEvent,
  rule: IssuanceRule,
  deps: IssuanceDeps,
  receivedAt: Date,
): Promise<IssuanceOutcome> {
  const now = deps.now ?? (() => new Date())
  const window = windowFor(event, rule, receivedAt)
  const request = issueRequest(event, rule, window)
  const key = claimKey(event, rule)
  const claimedAt = now()
  const leaseMs = deps.callDeadline.getTime() - claimedAt.getTime() + ISSUANCE_CLAIM_LIMITS.leaseSafetyMs
  const holder = { owner: deps.owner, ...(deps.deliveryId ? { deliveryId: deps.deliveryId } : {}) }
  const claim = await deps.claims.take<IssuedOfferRef>(key, holder, leaseMs, claimedAt)
  if (claim.status === 'done') {
    if (mayBeUnfinished(claim, deps)) await republish(key, claim.entry, deps, now)
    return { ruleId: rule.id, status: 'duplicate', offer: claim.result }
  }
  if (claim.status === 'busy') {
    throw new TransientError(`Issuance of rule ${rule.id} for event ${event.id} is in progress elsewhere`)
  }

  const lookUpFirst = claim.attempt > 1 && claim.previous?.mayHaveReachedSparkfly !== false
  // An earlier attempt may have issued the offer: that stays true for the next attempt until a look-up settles it,
  // so an attempt that fails before (or while) looking up never lets the next one issue without looking.
  const progress: Progress = { mayHaveIssued: lookUpFirst, settled: false }
  try {
    const callOptions = deadlineBoundCallOptions(deps.callDeadline.getTime(), now, rule, event)
    const { offer, recovered } = await obtainOffer(request, lookUpFirst, deps.offers, callOptions, progress)
    const result = await settleAndPublish(key, { event, rule, request, window, offer }, deps, now, progress)
    return { ruleId: rule.id, status: recovered ? 'recovered' : 'issued', offer: result }
  } catch (error) {
    if (!progress.settled) await releaseAfterFailure(key, deps, progress.mayHaveIssued, now())
    throw error
  }
}

/** Could the settled claim's record or event be missing: settled by this very delivery (or unknown), not repaired yet? */
function mayBeUnfinished(
  claim: Extract<IssuanceClaim<IssuedOfferRef>, { status: 'done' }>,
  deps: IssuanceDeps,
): claim is typeof claim & { entry: LedgerEntry } {
  if (!claim.entry || claim.published) return false
  return !deps.deliveryId || !claim.deliveryId || claim.deliveryId === deps.deliveryId
}

/** Frees the claim; after a call that may have reached Sparkfly, only once the safety window has passed. */
async function releaseAfterFailure(key: string, deps: IssuanceDeps, mayHaveIssued: boolean, at: Date) {
  const protectUntil = new Date(at.getTime() + ISSUANCE_CLAIM_LIMITS.leaseSafetyMs).toISOString()
  await deps.claims.release(key, deps.owner, { mayHaveReachedSparkfly: mayHaveIssued, protectUntil }, at)
}

/** Limits of the next Sparkfly call: over by the call deadline; none when too little is left. */
function deadlineBoundCallOptions(
  callDeadlineMs: number,
  now: () => Date,
  rule: IssuanceRule,
  event: LoyaltyEvent,
): () => CallOptions {
  return () => {
    const budgetMs = callDeadlineMs - now().getTime()
    if (budgetMs < ISSUANCE_CLAIM_LIMITS.minCallMs) {
      throw new TransientError(
        `Not enough time left before the deadline for rule ${rule.id} of event ${event.id}; retried later`,
      )
    }
    return { signal: AbortSignal.timeout(budgetMs), totalTimeoutMs: budgetMs }
  }
}

/**
 * The offer for `request`: the one an earlier attempt issued (looked up when `lookUpFirst`), else a new one.
 * Keeps `progress.mayHaveIssued` true whenever a failure leaves an issued offer possible.
 */
async function obtainOffer(
  request: IssueRequest,
  lookUpFirst: boolean,
  offers: IssuanceDeps['offers'],
  callOptions: () => CallOptions,
  progress: Progress,
): Promise<{ offer: Offer; recovered: boolean }> {
  const found = lookUpFirst ? await offers.findByExternalRef(request, callOptions()) : undefined
  progress.mayHaveIssued = false
  if (found) {
    progress.mayHaveIssued = true
    return { offer: found, recovered: true }
  }
  const options = callOptions()
  try {
    const offer = await offers.issue(request, options)
    progress.mayHaveIssued = true
    return { offer, recovered: false }
  } catch (error) {
    progress.mayHaveIssued = mayHaveBeenApplied(error)
    throw error
  }
}

/** What the last step needs to know about the issued offer. */
interface Issued {
  event: LoyaltyEvent
  rule: IssuanceRule
  request: IssueRequest
  window: IssuanceWindow
  offer: Offer
}

/**
 * The last step, one round of AWS calls: settles the claim with the offer's ledger entry (one conditional write),
 * records the entry and publishes `offer.issued` beside it. Fails when any of the three failed; a settled claim is
 * then finished by the redelivery ({@link republish}). Answers what the claim keeps.
 */
async function settleAndPublish(
  key: string,
  issued: Issued,
  deps: IssuanceDeps,
  now: () => Date,
  progress: Progress,
): Promise<IssuedOfferRef> {
  const { event, rule, request, window, offer } = issued
  const raw: NewLedgerEntry = {
    kind: offer.kind,
    id: offer.id,
    sourceId: event.id,
    ruleId: rule.id,
    externalRefId: request.externalRefId,
    issuedAt: now().toISOString(),
    ...ledgerFields(offer, event, window),
  }
  const entry = deps.ledger.entryFor(raw)
  const result: IssuedOfferRef = {
    kind: entry.kind,
    id: entry.id,
    ...(entry.code ? { code: entry.code } : {}),
  }
  const [settled, ...others] = await Promise.allSettled([
    deps.claims.settle(key, deps.owner, result, entry, now()),
    deps.ledger.record(raw),
    deps.publisher.publish(issuedEvent(entry, deps.eventSource)),
  ])
  progress.settled = settled.status === 'fulfilled'
  for (const outcome of [settled, ...others]) if (outcome.status === 'rejected') throw outcome.reason
  return result
}

/**
 * Finishes what a crash between the last writes may have left undone, for a claim settled with its entry: records
 * the entry (a no-op when it is there) and publishes `offer.issued` again with the same event id, then notes it on
 * the claim so later duplicates skip this.
 */
async function republish(
  key: string,
  entry: LedgerEntry,
  deps: IssuanceDeps,
  now: () => Date,
): Promise<void> {
  await Promise.all([deps.ledger.record(entry), deps.publisher.publish(issuedEvent(entry, deps.eventSource))])
  await deps.claims.markPublished(key, now())
}

const issuedEvent = (entry: LedgerEntry, source: string) =>
  buildOfferEvent(OfferEventType.issued, entry, source, { occurredAt: entry.issuedAt })

const OFFER_FIELDS = [
  'code',
  'memberId',
  'offerId',
  'campaignId',
  'channelId',
  'storeId',
  'activatesAt',
  'expiresAt',
] as const satisfies ReadonlyArray<keyof Offer & keyof NewLedgerEntry>

/** What the ledger keeps of the offer: Sparkfly's answer, completed with the event's member and the window asked for. */
function ledgerFields(
  offer: Offer,
  event: LoyaltyEvent,
  window: IssuanceWindow,
): Partial<Pick<NewLedgerEntry, (typeof OFFER_FIELDS)[number] | 'memberIdentifier'>> {
  const fields: Partial<Pick<NewLedgerEntry, (typeof OFFER_FIELDS)[number] | 'memberIdentifier'>> = {}
  for (const field of OFFER_FIELDS) if (offer[field] !== undefined) fields[field] = offer[field]
  if (event.member.identifier) fields.memberIdentifier = event.member.identifier
  if (!fields.memberId && event.member.id) fields.memberId = event.member.id
  if (!fields.activatesAt && window.activatesAt) fields.activatesAt = window.activatesAt
  if (!fields.expiresAt && window.expiresAt) fields.expiresAt = window.expiresAt
  return fields
}
