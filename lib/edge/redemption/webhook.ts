import type { Context } from 'aws-lambda'
import type { AppContext } from '../../app/context'
import { redemptionDeps } from '../../app/redemption'
import { type RedemptionOutcome, redeemDelivery } from '../../redemption'
import type { HttpEvent, HttpResult } from '../http'
import { finalAnswer, fingerprint, IdempotencyProblems } from '../idempotency'
import type { WebhookEvent } from '../webhookSignature'
import { redemptionRequest, redemptionResponse } from './answers'
import { reportRedemption } from './metrics'

/** The answer of an outcome as it is stored and replayed: refusals as problem+json without `instance`. */
function answerOf(outcome: RedemptionOutcome): HttpResult {
  try {
    return redemptionResponse(outcome)
  } catch (error) {
    const answer = finalAnswer(error)
    if (answer) return answer
    throw error
  }
}

/**
 * POST /pos/redemptions behind the signature check (contracts §3): validates the body (400), then redeems the code
 * at most once per `webhook-id` (a retry gets the first answer; a retry after a lost answer gets the redemption its
 * first attempt made) and answers 200 or the refusal's problem.
 *
 * @example
 * export const handler = httpHandler((event, context) => redeemWebhook(event, context, appContext()), options)
 */
export async function redeemWebhook(
  event: HttpEvent,
  context: Context,
  app: AppContext,
): Promise<HttpResult> {
  const { webhook } = event as WebhookEvent
  const request = redemptionRequest(event.body)
  const deps = redemptionDeps(app, {
    webhookId: webhook.id,
    remainingMs: () => context.getRemainingTimeInMillis(),
  })
  const result = await redeemDelivery(
    { webhookId: webhook.id, fingerprint: fingerprint(event.rawBody) },
    request,
    deps,
  )
  if (result.status === 'in_progress') throw IdempotencyProblems.inProgress()
  if (result.status === 'key_reused') throw IdempotencyProblems.keyReused()
  if (!result.stored) reportRedemption(result.outcome, request, webhook.id)
  return answerOf(result.outcome)
}
