import type { MiddlewareObj } from '@middy/core'
import { logger, MetricUnit, metrics } from '../../observability'
import { type RedemptionOutcome, type RedemptionRequest, RedemptionStatus } from '../../redemption'
import type { WebhookFailure } from '../../webhooks'
import { answerMetrics, type HttpEvent, type HttpResult } from '../http'

/** Names of the per-answer metrics of the POS webhook (one per status class). */
export const RedemptionAnswerMetric = {
  ok: 'RedemptionAnswers2xx',
  refused: 'RedemptionAnswers4xx',
  failed: 'RedemptionAnswers5xx',
} as const

/**
 * Counts every answer of the POS webhook, replays and refusals included, as `RedemptionAnswers2xx` / `4xx` / `5xx`
 * (5xx: Sparkfly failing or unreachable, or an internal error; alarmed). Register it after `logMetrics`, which
 * flushes them.
 */
export function redemptionAnswerMetrics(): MiddlewareObj<HttpEvent, HttpResult> {
  return answerMetrics(RedemptionAnswerMetric)
}

/** Counts and logs a refused signature (`WebhookSignatureRefused`); the reason only, never a header value. */
export function signatureRefused(reason: WebhookFailure): void {
  metrics.addMetric('WebhookSignatureRefused', MetricUnit.Count, 1)
  logger.info('Webhook signature refused', { reason })
}

/**
 * Counts a redemption the domain decided (`Redemptions` or `RedemptionsRefused`) and logs it with the delivery,
 * the POS transaction and the offer (never the member or the code).
 */
export function reportRedemption(
  outcome: RedemptionOutcome,
  request: RedemptionRequest,
  webhookId: string,
): void {
  metrics.addMetric(
    outcome.status === RedemptionStatus.redeemed ? 'Redemptions' : 'RedemptionsRefused',
    MetricUnit.Count,
    1,
  )
  logger.info('Redemption', {
    webhookId,
    transactionId: request.transactionId,
    outcome: outcome.status,
    ...(outcome.status === RedemptionStatus.notFound
      ? {}
      : { offer: { kind: outcome.offer.kind, id: outcome.offer.id } }),
    ...(outcome.status === RedemptionStatus.redeemed
      ? { replayed: outcome.replayed, source: outcome.source }
      : {}),
  })
}
