import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import type { Context } from 'aws-lambda'
import { appContext } from '../lib/app/context'
import { getConfig, requireSetting } from '../lib/config'
import { httpHandler } from '../lib/edge/http'
import { httpIdempotency } from '../lib/edge/idempotency'
import { logger, MetricUnit, metrics } from '../lib/observability'
import {
  parseRedemptionRequest,
  type RedemptionIncident,
  RedemptionStatus,
  redeemByCode,
  redemptionAnswerMetrics,
  redemptionResponse,
  sparkflyRedemptionGateway,
} from '../lib/redemption'
import { verifyWebhookSignature, type WebhookEvent, webhookKeyring } from '../lib/webhooks'

/** Largest Sparkfly time budget per call, and what is kept back for the ledger, the event and the answer. */
const SPARKFLY_BUDGET = { maxMs: 8_000, minMs: 1_000, reserveMs: 1_500 } as const

const keyring = webhookKeyring({ secretId: () => requireSetting(getConfig(), 'WEBHOOK_SECRET_ID') })
let idempotency: ReturnType<typeof httpIdempotency> | undefined

const sparkflyBudget = (context: Context) => ({
  totalTimeoutMs: Math.max(
    SPARKFLY_BUDGET.minMs,
    Math.min(SPARKFLY_BUDGET.maxMs, context.getRemainingTimeInMillis() - SPARKFLY_BUDGET.reserveMs),
  ),
})

const reportIncident = (incident: RedemptionIncident) => {
  // A stale ledger (redeemed or voided elsewhere) is routine; the other kinds need reconciling and are alarmed.
  metrics.addMetric(
    incident.kind === 'stale_ledger' ? 'RedemptionLedgerStale' : 'RedemptionIncidents',
    MetricUnit.Count,
    1,
  )
  const fields = {
    incident: incident.kind,
    offer: incident.offer,
    error: incident.error as Error | undefined,
  }
  if (incident.kind === 'stale_ledger') logger.warn('Ledger was behind Sparkfly', fields)
  else logger.error('Redemption not fully recorded; reconcile the ledger / offer events', fields)
}

/** The body limit, read once; an invalid environment is reported by the first request instead of at import. */
function maxBodyBytes(): number | undefined {
  try {
    return getConfig().HTTP_MAX_BODY_BYTES
  } catch {
    return undefined
  }
}

/** POST /pos/redemptions: a POS redeems the code scanned at the till (contracts §3). */
export const handler = httpHandler<unknown>(
  async (event, context) => {
    const app = appContext()
    const { webhook } = event as WebhookEvent
    const request = parseRedemptionRequest(event.body)
    idempotency ??= httpIdempotency({
      tableName: requireSetting(app.config, 'IDEMPOTENCY_TABLE'),
      scope: 'webhook',
    })
    return idempotency.run(webhook.id, event.rawBody, context, async () => {
      const outcome = await redeemByCode(request, {
        ledger: app.ledger,
        gateway: sparkflyRedemptionGateway(app.sparkfly, () => sparkflyBudget(context)),
        publisher: app.publisher,
        eventSource: app.config.EVENT_SOURCE,
        requestId: webhook.id,
        changedBy: `pos-webhook:${webhook.id}`,
        credentialMaxAgeDays: app.config.CREDENTIAL_MAX_AGE_DAYS,
        onIncident: reportIncident,
      })
      metrics.addMetric(
        outcome.status === RedemptionStatus.redeemed ? 'Redemptions' : 'RedemptionsRefused',
        MetricUnit.Count,
        1,
      )
      logger.info('Redemption', {
        webhookId: webhook.id,
        transactionId: request.transactionId,
        outcome: outcome.status,
        ...(outcome.status === RedemptionStatus.notFound
          ? {}
          : { offer: { kind: outcome.offer.kind, id: outcome.offer.id } }),
        ...(outcome.status === RedemptionStatus.redeemed
          ? { replayed: outcome.replayed, source: outcome.source }
          : {}),
      })
      return redemptionResponse(outcome)
    })
  },
  {
    maxBodyBytes: maxBodyBytes(),
    beforeParse: [
      logMetrics(metrics),
      redemptionAnswerMetrics(),
      verifyWebhookSignature({
        keyring,
        onRefused: (reason) => {
          metrics.addMetric('WebhookSignatureRefused', MetricUnit.Count, 1)
          logger.info('Webhook signature refused', { reason })
        },
      }),
    ],
  },
)
