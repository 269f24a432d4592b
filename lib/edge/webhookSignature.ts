import type { MiddlewareObj } from '@middy/core'
import {
  StandardWebhooks,
  type VerifiedWebhook,
  verifyWithKeyring,
  type WebhookFailure,
  type WebhookKeyring,
  WebhookVerificationError,
} from '../webhooks'
import { HttpProblem } from './errors'
import type { HttpEvent, HttpResult } from './http'

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
 * body before anything parses it ({@link verifyWithKeyring}: a key added by a rotation is picked up), and refuses
 * the request with 401 problem+json otherwise. On success the verified id and timestamp are on `event.webhook`.
 *
 * @example
 * export const handler = httpHandler(fn, { beforeParse: [verifyWebhookSignature({ keyring })] })
 */
export function verifyWebhookSignature(
  options: VerifyWebhookSignatureOptions,
): MiddlewareObj<HttpEvent, HttpResult> {
  const { headers: names } = StandardWebhooks

  const before: MiddlewareObj<HttpEvent, HttpResult>['before'] = async (request) => {
    const event = request.event as WebhookEvent
    const headers = event.headers ?? {}
    try {
      event.webhook = await verifyWithKeyring(options.keyring, {
        headers: {
          id: headers[names.id],
          timestamp: headers[names.timestamp],
          signature: headers[names.signature],
        },
        body: event.rawBytes ?? Buffer.alloc(0),
        toleranceSeconds: options.toleranceSeconds,
        now: options.now,
      })
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error
      options.onRefused?.(error.reason)
      throw signatureProblem(error.reason)
    }
  }

  return { before }
}
