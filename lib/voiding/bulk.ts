import { PermanentError } from '../errors'
import { VoidConflictError, VoidNotFoundError } from './errors'
import { describeIssues, parseWith, type VoidRequestMessage, voidRequestMessageSchema } from './requests'
import { type OfferView, VoidConflict } from './types'
import { type VoidDeps, voidOffer } from './voidOffer'

/** Why a bulk void request was parked on the dead-letter queue (its `failure-reason` attribute). */
export const BulkVoidFailure = {
  malformedJson: 'malformed_json',
  invalidRequest: 'invalid_request',
  unknownTarget: 'unknown_target',
  alreadyRedeemed: 'already_redeemed',
  notVoidable: 'not_voidable',
} as const

/** How a bulk void request ended when it was acknowledged. */
export const BulkVoidStatus = {
  /** Voided now. */
  voided: 'voided',
  /** This same request (requestId) voided it earlier: a redelivery. */
  duplicate: 'duplicate',
  /** Another request or a staff member voided it earlier. */
  alreadyVoided: 'already_voided',
  /** The expiry sweep already ended it (and voided it in Sparkfly). */
  alreadyExpired: 'already_expired',
} as const
export type BulkVoidStatus = (typeof BulkVoidStatus)[keyof typeof BulkVoidStatus]

export interface BulkVoidOutcome {
  requestId: string
  status: BulkVoidStatus
  offer: OfferView
}

/**
 * Who a bulk request acts as: `changedBy` = `bulk:<requestId>`; the request id also keys its void intent, so a
 * redelivery after a lost answer looks the offer up instead of voiding again.
 */
export const bulkActor = (requestId: string) => ({
  changedBy: `bulk:${requestId}`,
  requestId,
  requestKey: `bulk:${requestId}`,
})

/**
 * Parses a bulk void message: `{"requestId", "target": {...}, "reason"}`. Throws {@link PermanentError}
 * (`malformed_json`, `invalid_request` naming the fields) for a message that can never succeed.
 */
export function parseVoidRequest(body: string): VoidRequestMessage {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw new PermanentError(BulkVoidFailure.malformedJson, 'The message body is not valid JSON.')
  }
  const parsed = parseWith(voidRequestMessageSchema, value)
  if (!parsed.ok)
    throw new PermanentError(
      BulkVoidFailure.invalidRequest,
      `Invalid void request: ${describeIssues(parsed.issues)}`,
    )
  return { requestId: parsed.value.requestId, target: parsed.value.target, reason: parsed.value.reason }
}

/**
 * Runs one bulk void request through {@link voidOffer}. An offer already voided (by this request's earlier delivery or
 * by anyone) or already expired is acknowledged, not failed; an unknown target, a redeemed offer or an offer Sparkfly
 * cannot void throws {@link PermanentError} (parked on the DLQ with that reason). Sparkfly failures are thrown
 * unchanged: retryable ones go back to SQS.
 *
 * @example
 * const outcome = await processVoidRequest(parseVoidRequest(record.body), deps)
 */
export async function processVoidRequest(
  message: VoidRequestMessage,
  deps: VoidDeps,
): Promise<BulkVoidOutcome> {
  const actor = bulkActor(message.requestId)
  try {
    const { offer } = await voidOffer(message.target, message.reason, actor, deps)
    return { requestId: message.requestId, status: BulkVoidStatus.voided, offer }
  } catch (error) {
    if (error instanceof VoidNotFoundError) {
      throw new PermanentError(BulkVoidFailure.unknownTarget, error.message, { cause: error })
    }
    if (!(error instanceof VoidConflictError)) throw error
    switch (error.conflict) {
      case VoidConflict.alreadyVoided: {
        const status =
          error.offer.voidedBy === actor.changedBy ? BulkVoidStatus.duplicate : BulkVoidStatus.alreadyVoided
        return { requestId: message.requestId, status, offer: error.offer }
      }
      case VoidConflict.expired:
        return { requestId: message.requestId, status: BulkVoidStatus.alreadyExpired, offer: error.offer }
      case VoidConflict.alreadyRedeemed:
        throw new PermanentError(BulkVoidFailure.alreadyRedeemed, error.message, { cause: error })
      case VoidConflict.noMember:
        throw new PermanentError(BulkVoidFailure.notVoidable, error.message, { cause: error })
    }
  }
}
