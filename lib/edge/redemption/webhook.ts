import type { Context } from 'aws-lambda'
import type { AppContext } from '../../app/context'
import { redemptionDeps } from '../../app/redemption'
import { requireSetting } from '../../config'
import { redeemByCode } from '../../redemption'
import type { HttpEvent, HttpResult } from '../http'
import { httpIdempotency } from '../idempotency'
import type { WebhookEvent } from '../webhookSignature'
import { redemptionRequest, redemptionResponse } from './answers'
import { reportRedemption } from './metrics'

let idempotency: ReturnType<typeof httpIdempotency> | undefined

/**
 * POST /pos/redemptions behind the signature check (contracts §3): validates the body (400), then redeems the code
 * at most once per `webhook-id` (a retry gets the stored answer) and answers 200 or the refusal's problem.
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
  idempotency ??= httpIdempotency({
    tableName: requireSetting(app.config, 'IDEMPOTENCY_TABLE'),
    scope: 'webhook',
  })
  return idempotency.run(webhook.id, event.rawBody, context, async () => {
    const deps = redemptionDeps(app, {
      webhookId: webhook.id,
      remainingMs: () => context.getRemainingTimeInMillis(),
    })
    const outcome = await redeemByCode(request, deps)
    reportRedemption(outcome, request, webhook.id)
    return redemptionResponse(outcome)
  })
}
