import { HttpProblem } from '../edge/errors'
import { type HttpResult, json } from '../edge/http'
import { OfferKind } from '../ledger/types'
import { type OfferView, type RedemptionOutcome, RedemptionStatus } from './types'

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
  code: string
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

/**
 * The HTTP answer of a redemption outcome: 200 with {@link RedemptionAnswer}, or throws the {@link HttpProblem}
 * (404 / 409 / 410 / 422) that the idempotency layer stores and replays like any final answer.
 */
export function redemptionResponse(outcome: RedemptionOutcome): HttpResult {
  switch (outcome.status) {
    case RedemptionStatus.redeemed: {
      const { offer } = outcome
      const item: RedeemedItem = {
        id: offer.id,
        code: offer.code,
        status: offer.status,
        ...(offer.activatesAt ? { activatesAt: offer.activatesAt } : {}),
        ...(offer.expiresAt ? { expiresAt: offer.expiresAt } : {}),
      }
      const answer: RedemptionAnswer = {
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
      return json(200, answer)
    }
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
