import { PermanentError } from '../errors'
import type { LoyaltyEvent } from '../events/inbound'
import { OfferKind } from '../ledger/types'
import type { IssueRequest } from '../offers'
import type { IssuanceRule } from './rules'

const DAY_MS = 86_400_000

/** When an offer state becomes redeemable and stops being so (ISO-8601); empty for credentials. */
export interface IssuanceWindow {
  activatesAt?: string
  expiresAt?: string
}

/** The Sparkfly `external_ref_id` of the offer that `rule` issues for `event`: it names the event. */
export function externalRefId(event: Pick<LoyaltyEvent, 'id'>, rule: Pick<IssuanceRule, 'id'>): string {
  return `le:${rule.id}:${event.id}`
}

/**
 * The validity window of the offer: the event's override, else the rule's window from the event's time (or
 * `receivedAt` when the event has none). Throws {@link PermanentError} `invalid_window` when it would end before it
 * starts.
 */
export function windowFor(event: LoyaltyEvent, rule: IssuanceRule, receivedAt: Date): IssuanceWindow {
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
 * What to ask Sparkfly for, for `rule` and `event`: an offer state of the rule's campaign for the member (by id, else
 * by external identifier) within `window`, or a credential of the rule's offer on its channel. Throws
 * {@link PermanentError} `member_id_required` for a credential rule and an event without `member.id`.
 */
export function issueRequest(event: LoyaltyEvent, rule: IssuanceRule, window: IssuanceWindow): IssueRequest {
  const externalRef = externalRefId(event, rule)
  if (rule.issue.kind === OfferKind.offerState) {
    return {
      kind: OfferKind.offerState,
      campaignId: rule.issue.campaignId,
      externalRefId: externalRef,
      ...(event.member.id ? { memberId: event.member.id } : { memberIdentifier: event.member.identifier }),
      ...window,
    }
  }
  if (!event.member.id) {
    throw new PermanentError(
      'member_id_required',
      `Rule ${rule.id} issues a credential, which needs member.id`,
    )
  }
  return {
    kind: OfferKind.credential,
    memberId: event.member.id,
    offerId: String(rule.issue.offerId),
    channelId: String(rule.issue.channelId),
    externalRefId: externalRef,
    ...(rule.issue.storeId ? { storeId: String(rule.issue.storeId) } : {}),
  }
}
