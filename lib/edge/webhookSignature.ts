import type { MiddlewareObj } from '@middy/core'
import {
  StandardWebhooks,
  type VerifiedWebhook,
  verifyWithKeyring,
  type WebhookFailure,
  type WebhookKeyring,
  WebhookSecretError,
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
  repeated_header:
    'A signature header was sent more than once (or holds a comma): send webhook-id, webhook-timestamp and webhook-signature exactly once each; several signatures go in one webhook-signature header, separated by spaces.',
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

/** Seconds a POS should wait before retrying while the webhook secret is misconfigured. */
export const MISCONFIGURED_RETRY_AFTER_SECONDS = 60

/**
 * The 503 while the webhook secret cannot be read or holds no usable key: our fault, and retryable once an operator
 * fixes the secret (the keyring reports it, which raises the `WebhookSecretMisconfigured` alarm). Says nothing of the
 * secret.
 */
export function secretUnavailableProblem(): HttpProblem {
  return new HttpProblem(
    503,
    'Webhook temporarily unavailable',
    'Redemptions cannot be verified right now. Retry after the number of seconds in Retry-After; the operators are alerted.',
    { reason: 'webhook_secret_unavailable' },
    { 'retry-after': String(MISCONFIGURED_RETRY_AFTER_SECONDS) },
  )
}

/**
 * Middy middleware (pass it as `beforeParse` to `httpHandler`): verifies the Standard Webhooks signature over the raw
 * body before anything parses it ({@link verifyWithKeyring}: a key added by a rotation is picked up), and refuses
 * the request with 401 problem+json otherwise. The headers are checked before the secret is read: an unsigned request
 * costs no Secrets Manager call. A secret with no usable key answers 503 problem+json with `Retry-After`, never 500.
 * On success the verified id and timestamp are on `event.webhook`.
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
      if (error instanceof WebhookSecretError) throw secretUnavailableProblem()
      if (!(error instanceof WebhookVerificationError)) throw error
      options.onRefused?.(error.reason)
      throw signatureProblem(error.reason)
    }
  }

  return { before }
}
