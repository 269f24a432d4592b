import { randomBytes, randomUUID } from 'node:crypto'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import { signWebhook } from '../../../lib/webhooks'

/** A fresh random webhook secret (`whsec_<base64 of 32 bytes>`). Never print it. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/** An API Gateway HTTP API (payload 2.0) event for POST /pos/redemptions. */
export function httpApiEvent(
  overrides: {
    body?: string
    headers?: Record<string, string>
    isBase64Encoded?: boolean
    path?: string
  } = {},
): APIGatewayProxyEventV2 {
  const path = overrides.path ?? '/pos/redemptions'
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...overrides.headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'pos-test' },
      requestId: randomUUID(),
      routeKey: `POST ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: overrides.body,
    isBase64Encoded: overrides.isBase64Encoded ?? false,
  }
}

/** The three Standard Webhooks headers for `body`, signed with every secret given. */
export function signedHeaders(
  body: string,
  secrets: string[],
  options: { id?: string; timestamp?: number } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000)
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => signWebhook({ secret, id, timestamp, body })).join(' '),
  }
}

/** A signed POST /pos/redemptions event carrying `body` (JSON-encoded unless a string). */
export function signedRedemptionEvent(
  body: unknown,
  secrets: string[],
  options: { id?: string; timestamp?: number; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return httpApiEvent({
    body: text,
    headers: { ...signedHeaders(text, secrets, options), ...options.headers },
  })
}
