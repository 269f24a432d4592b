import { createHash } from 'node:crypto'
import { PermanentError, TransientError } from '../edge/errors'
import type { LoyaltyEvent } from '../events/inbound'
import { buildOfferEvent, type OfferEventPublisher, OfferEventType } from '../events/outbound'
import type { Ledger } from '../ledger/Ledger'
import { ledgerKey } from '../ledger/Ledger'
import { OfferKind } from '../ledger/types'
import type { IssuanceCallOptions, IssuanceGateway, IssuedOffer } from './gateway'
import { type IssuanceRule, type IssuanceRules, rulesFor } from './rules'

export interface IssuanceDeps {
  gateway: IssuanceGateway
  ledger: Ledger
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

/** What happened for one (event, rule). */
export interface IssuanceOutcome {
  ruleId: string
  status: 'issued' | 'recovered' | 'duplicate'
  offer: Pick<IssuedOffer, 'kind' | 'id' | 'code'>
}

const DAY_MS = 86_400_000

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

/** The Sparkfly `external_ref_id` of the offer that `rule` issues for `event`: it names the event. */
export function externalRefId(event: Pick<LoyaltyEvent, 'id'>, rule: Pick<IssuanceRule, 'id'>): string {
  return `le:${rule.id}:${event.id}`
}

const claimKey = (event: LoyaltyEvent, rule: IssuanceRule) =>
  ledgerKey.claim(
    `issue:${createHash('sha256').update(`${event.source}\n${event.id}`).digest('base64url')}:${rule.id}`,
  )

/** Could the failed call have been applied by Sparkfly? Then a retry must look the offer up before issuing. */
function mayHaveReachedSparkfly(error: unknown): boolean {
  const e = error as { name?: string; status?: number }
  // Abandoned by our own deadline: the request may have been sent.
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return true
  if (e?.name === 'SparkflyTimeoutError' || e?.name === 'SparkflyServerError') return e.status !== 503
  if (e?.name === 'SparkflyConnectionError') return true
  return false
}

/** The validity window of the offer: the event's override, else the rule's window from the event's time. */
function windowFor(event: LoyaltyEvent, rule: IssuanceRule, receivedAt: Date) {
  if (rule.issue.kind !== OfferKind.offerState) return {}
  const base = event.time ? new Date(event.time) : receivedAt
  const activatesAt =
    event.activatesAt ??
    new Date(base.getTime() + rule.issue.window.startsAfterMinutes * 60_000).toISOString()
  const expiresAt =
    event.expiresAt ??
    new Date(new Date(activatesAt).getTime() + rule.issue.window.validForDays * DAY_MS).toISOString()
  if (new Date(expiresAt) <= new Date(activatesAt)) {
    throw new PermanentError(
      'invalid_window',
      `expiresAt (${expiresAt}) is not after activatesAt (${activatesAt})`,
    )
  }
  return { activatesAt, expiresAt }
}

/**
 * Issues what the rules say for one loyalty event, exactly once per (event, rule):
 * 1. a conditional claim in the ledger stops a concurrent duplicate (it gets `busy` and is retried by SQS) and
 *    returns the stored result to a later duplicate (`duplicate`, no Sparkfly call);
 * 2. when a previous attempt died or failed after its request may have reached Sparkfly, the offer is looked up by
 *    its `external_ref_id` before anything is issued (`recovered`);
 * 3. the offer is recorded in the ledger and `offer.issued` published before the claim is completed, so a crash at
 *    any point leaves work that the redelivery finishes without issuing again.
 * Events that match no rule return an empty list.
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
  const key = claimKey(event, rule)
  const claimedAt = now()
  const claim = await deps.ledger.claim<IssuanceOutcome['offer']>(key, deps.owner, deps.leaseMs, claimedAt)
  const leaseEndsMs = claimedAt.getTime() + deps.leaseMs
  if (claim.status === 'done') return { ruleId: rule.id, status: 'duplicate', offer: claim.result }
  if (claim.status === 'busy') {
    throw new TransientError(`Issuance of rule ${rule.id} for event ${event.id} is in progress elsewhere`)
  }

  const ref = externalRefId(event, rule)
  /** Limits of the next Sparkfly call: over before the lease ends, with the safety margin. */
  const callOptions = (): IssuanceCallOptions => {
    const budgetMs = leaseEndsMs - ISSUANCE_CLAIM_LIMITS.leaseSafetyMs - now().getTime()
    if (budgetMs < ISSUANCE_CLAIM_LIMITS.minCallMs) {
      throw new TransientError(
        `Not enough time left under the issuance claim for rule ${rule.id} of event ${event.id}; retried later`,
      )
    }
    return { signal: AbortSignal.timeout(budgetMs), totalTimeoutMs: budgetMs }
  }
  const lookUpFirst = claim.attempt > 1 && claim.previous?.mayHaveReachedSparkfly !== false
  // An earlier attempt may have issued the offer: that stays true for the next attempt until a look-up settles it,
  // so an attempt that fails before (or while) looking up never lets the next one issue without looking.
  let reachedSparkfly = lookUpFirst
  try {
    let offer = lookUpFirst ? await findPrevious(event, rule, ref, deps.gateway, callOptions()) : undefined
    reachedSparkfly = false
    const recovered = offer !== undefined
    if (!offer) {
      const options = callOptions()
      try {
        offer = await issue(event, rule, ref, window, deps.gateway, options)
      } catch (error) {
        reachedSparkfly = mayHaveReachedSparkfly(error)
        throw error
      }
    }
    reachedSparkfly = true
    const { entry } = await deps.ledger.record({
      kind: offer.kind,
      id: offer.id,
      sourceId: event.id,
      ruleId: rule.id,
      externalRefId: ref,
      issuedAt: now().toISOString(),
      ...pick(offer, [
        'code',
        'memberId',
        'offerId',
        'campaignId',
        'channelId',
        'storeId',
        'activatesAt',
        'expiresAt',
      ]),
      ...(event.member.identifier ? { memberIdentifier: event.member.identifier } : {}),
      ...(!offer.memberId && event.member.id ? { memberId: event.member.id } : {}),
      ...(!offer.activatesAt && window.activatesAt ? { activatesAt: window.activatesAt } : {}),
      ...(!offer.expiresAt && window.expiresAt ? { expiresAt: window.expiresAt } : {}),
    })
    await deps.publisher.publish(
      buildOfferEvent(OfferEventType.issued, entry, deps.eventSource, { occurredAt: entry.issuedAt }),
    )
    const result = { kind: entry.kind, id: entry.id, ...(entry.code ? { code: entry.code } : {}) }
    await deps.ledger.completeClaim(key, deps.owner, result, now())
    return { ruleId: rule.id, status: recovered ? 'recovered' : 'issued', offer: result }
  } catch (error) {
    await deps.ledger.releaseClaim(key, deps.owner, reachedSparkfly, now())
    throw error
  }
}

function issue(
  event: LoyaltyEvent,
  rule: IssuanceRule,
  ref: string,
  window: { activatesAt?: string; expiresAt?: string },
  gateway: IssuanceGateway,
  options: IssuanceCallOptions,
): Promise<IssuedOffer> {
  if (rule.issue.kind === OfferKind.offerState) {
    return gateway.issueOfferState(
      {
        campaignId: rule.issue.campaignId,
        externalRefId: ref,
        ...(event.member.id ? { memberId: event.member.id } : { memberIdentifier: event.member.identifier }),
        ...window,
      },
      options,
    )
  }
  return gateway.createCredential(credentialRequest(event, rule, ref), options)
}

function findPrevious(
  event: LoyaltyEvent,
  rule: IssuanceRule,
  ref: string,
  gateway: IssuanceGateway,
  options: IssuanceCallOptions,
): Promise<IssuedOffer | undefined> {
  return rule.issue.kind === OfferKind.offerState
    ? gateway.findOfferStateByExternalRef(ref, options)
    : gateway.findCredentialByExternalRef(credentialRequest(event, rule, ref), options)
}

function credentialRequest(event: LoyaltyEvent, rule: IssuanceRule, ref: string) {
  if (rule.issue.kind !== OfferKind.credential) throw new Error('not a credential rule')
  if (!event.member.id) {
    throw new PermanentError(
      'member_id_required',
      `Rule ${rule.id} issues a credential, which needs member.id`,
    )
  }
  return {
    memberId: event.member.id,
    offerId: String(rule.issue.offerId),
    channelId: String(rule.issue.channelId),
    externalRefId: ref,
    ...(rule.issue.storeId ? { storeId: String(rule.issue.storeId) } : {}),
  }
}

function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {}
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key]
  return out
}
