import { createHash } from 'node:crypto'
import { TransientError } from '../errors'
import type { LoyaltyEvent } from '../events/inbound'
import { buildOfferEvent, type OfferEventPublisher, OfferEventType } from '../events/outbound'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import type { NewLedgerEntry } from '../ledger/types'
import { type CallOptions, callFailure, type IssueRequest, type Offer, type Offers } from '../offers'
import { type IssuanceWindow, issueRequest, windowFor } from './request'
import { type IssuanceRule, type IssuanceRules, rulesFor } from './rules'

export interface IssuanceDeps {
  /** Sparkfly, through the offers port: issuance issues, and looks up what an earlier attempt may have issued. */
  offers: Pick<Offers, 'issue' | 'findByExternalRef'>
  /** The claims that make issuance exactly-once, and the record of what was issued. */
  ledger: Pick<Ledger, 'claim' | 'record' | 'completeClaim' | 'releaseClaim'>
  publisher: OfferEventPublisher
  rules: IssuanceRules
  /** CloudEvents `source` of the events we publish. */
  eventSource: string
  /** Identifies this attempt (the Lambda request id) as the holder of issuance claims. */
  owner: string
  /** How long a claim protects an attempt in flight; at least the function timeout. */
  leaseMs: number
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
 * How the claim bounds the Sparkfly calls made under it. A call must be over (answered or abandoned) this long before
 * the claim's lease ends, so that Sparkfly has finished with it by the time a redelivery may take the claim over and
 * look the offer up: otherwise the look-up can miss an issue that is still in flight, and issue a second offer.
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
 *    its `external_ref_id` before anything is issued (`recovered`);
 * 3. the offer is recorded in the ledger and `offer.issued` published before the claim is completed, so a crash at
 *    any point leaves work that the redelivery finishes without issuing again.
 * Events that match no rule return an empty list. Throws {@link PermanentError} for what no retry fixes (an invalid
 * window, a credential rule without `member.id`), {@link TransientError} while another attempt holds the claim, and
 * lets the offers port's failures through.
 *
 * @example
 * const outcomes = await issueForEvent(event, { offers, ledger, publisher, rules, eventSource, owner, leaseMs })
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
  const claim = await deps.ledger.claim<IssuedOfferRef>(key, deps.owner, deps.leaseMs, claimedAt)
  if (claim.status === 'done') return { ruleId: rule.id, status: 'duplicate', offer: claim.result }
  if (claim.status === 'busy') {
    throw new TransientError(`Issuance of rule ${rule.id} for event ${event.id} is in progress elsewhere`)
  }

  const lookUpFirst = claim.attempt > 1 && claim.previous?.mayHaveReachedSparkfly !== false
  // An earlier attempt may have issued the offer: that stays true for the next attempt until a look-up settles it,
  // so an attempt that fails before (or while) looking up never lets the next one issue without looking.
  const progress = { mayHaveIssued: lookUpFirst }
  try {
    const callOptions = claimBoundCallOptions(claimedAt.getTime() + deps.leaseMs, now, rule, event)
    const { offer, recovered } = await obtainOffer(request, lookUpFirst, deps.offers, callOptions, progress)
    const result = await recordAndPublish(event, rule, request, window, offer, deps, now)
    await deps.ledger.completeClaim(key, deps.owner, result, now())
    return { ruleId: rule.id, status: recovered ? 'recovered' : 'issued', offer: result }
  } catch (error) {
    await deps.ledger.releaseClaim(key, deps.owner, progress.mayHaveIssued, now())
    throw error
  }
}

/** Limits of the next Sparkfly call: over before the lease ends, with the safety margin; none when too little is left. */
function claimBoundCallOptions(
  leaseEndsMs: number,
  now: () => Date,
  rule: IssuanceRule,
  event: LoyaltyEvent,
): () => CallOptions {
  return () => {
    const budgetMs = leaseEndsMs - ISSUANCE_CLAIM_LIMITS.leaseSafetyMs - now().getTime()
    if (budgetMs < ISSUANCE_CLAIM_LIMITS.minCallMs) {
      throw new TransientError(
        `Not enough time left under the issuance claim for rule ${rule.id} of event ${event.id}; retried later`,
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
  progress: { mayHaveIssued: boolean },
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

/** Records the offer in the ledger and publishes `offer.issued`; answers what the claim keeps. */
async function recordAndPublish(
  event: LoyaltyEvent,
  rule: IssuanceRule,
  request: IssueRequest,
  window: IssuanceWindow,
  offer: Offer,
  deps: IssuanceDeps,
  now: () => Date,
): Promise<IssuedOfferRef> {
  const { entry } = await deps.ledger.record({
    kind: offer.kind,
    id: offer.id,
    sourceId: event.id,
    ruleId: rule.id,
    externalRefId: request.externalRefId,
    issuedAt: now().toISOString(),
    ...ledgerFields(offer, event, window),
  })
  await deps.publisher.publish(
    buildOfferEvent(OfferEventType.issued, entry, deps.eventSource, { occurredAt: entry.issuedAt }),
  )
  return { kind: entry.kind, id: entry.id, ...(entry.code ? { code: entry.code } : {}) }
}

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
