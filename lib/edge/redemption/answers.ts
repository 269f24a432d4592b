import { OfferKind } from '../../ledger/types'
import {
  type FieldProblem,
  InvalidRedemptionRequest,
  type OfferView,
  parseRedemptionRequest,
  type RedemptionOutcome,
  type RedemptionRequest,
  RedemptionStatus,
} from '../../redemption'
import { HttpProblem } from '../errors'
import { type HttpResult, json } from '../http'

/** The 200 body of a redemption (contracts §3): the offer state / credential, member, offer and redemption time. */
export interface RedemptionAnswer {
  status: 'redeemed'
  kind: OfferKind
  /** Present when `kind` is `offerState`. */
  offerState?: RedeemedItem
  /** Present when `kind` is `credential`. */
  credential?: RedeemedItem
  member: { id?: string; identifier?: string }
  offer: { id?: string; campaignId?: string; name?: string }
  redeemedAt: string
  transactionId: string
  storeId?: string
  /** True when this POS transaction had already redeemed the code: nothing was redeemed again. */
  replayed: boolean
}

interface RedeemedItem {
  id: string
  code?: string
  status: string
  activatesAt?: string
  expiresAt?: string
}

/** The current state in 409 / 410 / 422 answers: the offer itself, never its member. */
function currentState(offer: OfferView) {
  const fields = {
    kind: offer.kind,
    id: offer.id,
    code: offer.code,
    status: offer.status,
    activatesAt: offer.activatesAt,
    expiresAt: offer.expiresAt,
    redeemedAt: offer.redeemedAt,
    voidedAt: offer.voidedAt,
    expiredAt: offer.expiredAt,
    transactionId: offer.status === 'redeemed' ? offer.transactionId : undefined,
    storeId: offer.status === 'redeemed' ? offer.storeId : undefined,
  }
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== ''))
}

const on = (label: string, at: string | undefined) => (at ? ` ${label} ${at}` : '')

/** Problem titles and details, by refusal. Details speak to a cashier's supervisor. */
export const RedemptionProblems = {
  notFound: () =>
    new HttpProblem(
      404,
      'Offer not found',
      'No redeemable offer matches this code. Check that the code was scanned or typed correctly; if it still fails, ' +
        'ask the customer to show the offer in their app again or to contact loyalty support.',
      { reason: RedemptionStatus.notFound },
    ),
  alreadyRedeemed: (offer: OfferView) =>
    new HttpProblem(
      409,
      'Offer already redeemed',
      `This offer was already redeemed${on('on', offer.redeemedAt)}${
        offer.transactionId ? ` (POS transaction ${offer.transactionId})` : ''
      }. Do not apply the discount again; check that transaction's receipt if the customer disputes it.`,
      { reason: RedemptionStatus.alreadyRedeemed, current: currentState(offer) },
    ),
  voided: (offer: OfferView) =>
    new HttpProblem(
      409,
      'Offer voided',
      `This offer was cancelled${on('on', offer.voidedAt)} and cannot be redeemed. Do not apply the discount; ` +
        'the customer can contact loyalty support.',
      { reason: RedemptionStatus.voided, current: currentState(offer) },
    ),
  expired: (offer: OfferView) =>
    new HttpProblem(
      410,
      'Offer expired',
      `This offer expired${on('on', offer.expiresAt ?? offer.expiredAt)} and can no longer be redeemed. Do not apply the discount.`,
      { reason: RedemptionStatus.expired, current: currentState(offer) },
    ),
  notYetActive: (offer: OfferView) =>
    new HttpProblem(
      422,
      'Offer not yet active',
      `This offer is not valid yet${offer.activatesAt ? `; it can be redeemed from ${offer.activatesAt}` : ''}. Do not apply the discount today.`,
      { reason: RedemptionStatus.notYetActive, current: currentState(offer) },
    ),
} as const

type Redeemed = Extract<RedemptionOutcome, { status: typeof RedemptionStatus.redeemed }>

/** The 200 body of a redemption. */
function redeemedAnswer(outcome: Redeemed): RedemptionAnswer {
  const { offer } = outcome
  const item: RedeemedItem = {
    id: offer.id,
    code: offer.code,
    status: offer.status,
    ...(offer.activatesAt ? { activatesAt: offer.activatesAt } : {}),
    ...(offer.expiresAt ? { expiresAt: offer.expiresAt } : {}),
  }
  return {
    status: 'redeemed',
    kind: offer.kind,
    ...(offer.kind === OfferKind.offerState ? { offerState: item } : { credential: item }),
    member: {
      ...(offer.memberId ? { id: offer.memberId } : {}),
      ...(offer.memberIdentifier ? { identifier: offer.memberIdentifier } : {}),
    },
    offer: {
      ...(offer.offerId ? { id: offer.offerId } : {}),
      ...(offer.campaignId ? { campaignId: offer.campaignId } : {}),
      ...(offer.offerName ? { name: offer.offerName } : {}),
    },
    redeemedAt: outcome.redeemedAt,
    transactionId: outcome.transactionId,
    ...(outcome.storeId !== undefined ? { storeId: outcome.storeId } : {}),
    replayed: outcome.replayed,
  }
}

/**
 * The HTTP answer of a redemption outcome: 200 with {@link RedemptionAnswer}, or throws the {@link HttpProblem}
 * (404 / 409 / 410 / 422) that the idempotency layer stores and replays like any final answer.
 */
export function redemptionResponse(outcome: RedemptionOutcome): HttpResult {
  switch (outcome.status) {
    case RedemptionStatus.redeemed:
      return json(200, redeemedAnswer(outcome))
    case RedemptionStatus.notFound:
      throw RedemptionProblems.notFound()
    case RedemptionStatus.alreadyRedeemed:
      throw RedemptionProblems.alreadyRedeemed(outcome.offer)
    case RedemptionStatus.voided:
      throw RedemptionProblems.voided(outcome.offer)
    case RedemptionStatus.expired:
      throw RedemptionProblems.expired(outcome.offer)
    case RedemptionStatus.notYetActive:
      throw RedemptionProblems.notYetActive(outcome.offer)
  }
}

/** The 400 problem for `problems`: which fields and why, never the values sent. */
export function invalidBody(problems: readonly FieldProblem[]): HttpProblem {
  const list = problems.map((p) => `${p.field} ${p.problem}`).join('; ')
  return new HttpProblem(400, 'Invalid request body', `Fix the request and send it again: ${list}.`, {
    reason: 'invalid_body',
    errors: problems,
  })
}

/**
 * The redemption request in a parsed webhook body (`parseRedemptionRequest`).
 *
 * @throws {HttpProblem} 400 naming each invalid field and why, for an {@link InvalidRedemptionRequest}.
 * @example
 * const request = redemptionRequest(event.body)
 */
export function redemptionRequest(body: unknown, now?: Date): RedemptionRequest {
  try {
    return parseRedemptionRequest(body, now)
  } catch (error) {
    if (error instanceof InvalidRedemptionRequest) throw invalidBody(error.problems)
    throw error
  }
}
