import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import { appContext } from '../lib/app/context'
import { posWebhookKeyring } from '../lib/app/redemption'
import { httpHandler } from '../lib/edge/http'
import { redeemWebhook, redemptionAnswerMetrics, signatureRefused } from '../lib/edge/redemption'
import { verifyWebhookSignature } from '../lib/edge/webhookSignature'
import { metrics } from '../lib/observability'

/** POST /pos/redemptions: a POS redeems the code scanned at the till (contracts §3). */
export const handler = httpHandler<unknown>((event, context) => redeemWebhook(event, context, appContext()), {
  beforeParse: [
    logMetrics(metrics),
    redemptionAnswerMetrics(),
    verifyWebhookSignature({ keyring: posWebhookKeyring, onRefused: signatureRefused }),
  ],
})
