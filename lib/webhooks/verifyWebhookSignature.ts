import type { MiddlewareObj } from '@middy/core'
import { HttpProblem } from '../edge/errors'
import type { HttpEvent, HttpResult } from '../edge/http'
import type { WebhookKeyring } from './keyring'
import {
  StandardWebhooks,
  type VerifiedWebhook,
  verifyWebhook,
  WebhookFailure,
  WebhookVerificationError,
} from './standardWebhooks'

/** An HTTP event whose Standard Webhooks signature was verified. */
export type WebhookEvent<TBody = unknown> = HttpEvent<TBody> & { webhook: VerifiedWebhook }

export interface VerifyWebhookSignatureOptions {
  keyring: WebhookKeyring
  toleranceSeconds?: number
  /** Clock (ms), for tests. */
  now?: () => number
  /** Told about every refusal (metrics, logs); receives the reason only. */
  onRefused?: (reason: WebhookFailure) => void
}

/** What the POS integrator reads in the 401, by reason. */
const DETAILS: Record<WebhookFailure, string> = {
  missing_headers:
    'The request is not signed: send the webhook-id, webhook-timestamp and webhook-signature headers (Standard Webhooks).',
  malformed_headers:
    'The signature headers are malformed: webhook-timestamp must be unix seconds and webhook-signature a space-separated list of "v1,<base64>".',
  stale_timestamp:
    'The webhook-timestamp is more than 5 minutes old. Check the POS clock (NTP) and send the request again with a fresh timestamp and signature.',
  future_timestamp:
    'The webhook-timestamp is more than 5 minutes in the future. Check the POS clock (NTP) and send the request again.',
  invalid_signature:
    'The webhook-signature does not match. Sign "{webhook-id}.{webhook-timestamp}.{exact body bytes}" with the current webhook secret.',
}

/** The 401 for `reason`, with a WWW-Authenticate challenge as RFC 9110 asks. */
export function signatureProblem(reason: WebhookFailure): HttpProblem {
  return new HttpProblem(
    401,
    'Invalid webhook signature',
    DETAILS[reason],
    { reason },
    { 'www-authenticate': 'Webhook-Signature realm="pos-redemptions"' },
  )
}

/**
 * Middy middleware (pass it as `beforeParse` to `httpHandler`): verifies the Standard Webhooks signature over the raw
 * body before anything parses it, and refuses the request with 401 problem+json otherwise. When no signature matches,
 * the secret is re-read once (rate limited) in case a rotation added a key since it was cached. On success the
 * verified id and timestamp are on `event.webhook`.
 *
 * @example
 * export const handler = httpHandler(fn, { beforeParse: [verifyWebhookSignature({ keyring })] })
 */
export function verifyWebhookSignature(
  options: VerifyWebhookSignatureOptions,
): MiddlewareObj<HttpEvent, HttpResult> {
  const now = options.now ?? Date.now
  const { headers: names } = StandardWebhooks

  const before: MiddlewareObj<HttpEvent, HttpResult>['before'] = async (request) => {
    const event = request.event as WebhookEvent
    const headers = event.headers ?? {}
    const input = {
      headers: {
        id: headers[names.id],
        timestamp: headers[names.timestamp],
        signature: headers[names.signature],
      },
      body: event.rawBody ?? '',
      toleranceSeconds: options.toleranceSeconds,
    }
    try {
      try {
        event.webhook = verifyWebhook({ ...input, keys: await options.keyring.keys(), now: now() })
      } catch (error) {
        if (!(error instanceof WebhookVerificationError) || error.reason !== WebhookFailure.invalidSignature)
          throw error
        // A failed re-read (Secrets Manager blip) must not turn a bad signature into a 5xx.
        const refreshed = await options.keyring.refresh().catch(() => undefined)
        if (!refreshed) throw error
        event.webhook = verifyWebhook({ ...input, keys: refreshed, now: now() })
      }
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error
      options.onRefused?.(error.reason)
      throw signatureProblem(error.reason)
    }
  }

  return { before }
}
