import { randomUUID } from 'node:crypto'
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda'
import { signWebhook } from '../../lib/webhooks'

/** A CloudEvents 1.0 loyalty event body. */
export function cloudEvent(
  overrides: {
    id?: string
    type?: string
    source?: string
    time?: string
    member?: { id?: number | string; identifier?: string }
    data?: Record<string, unknown>
  } = {},
) {
  return {
    specversion: '1.0',
    id: overrides.id ?? `evt-${randomUUID()}`,
    source: overrides.source ?? 'urn:loyalty:test',
    type: overrides.type ?? 'loyalty.tier.upgraded',
    time: overrides.time ?? new Date().toISOString(),
    data: { member: overrides.member ?? { id: 1 }, ...overrides.data },
  }
}

/** An EventBridge loyalty event body. */
export function eventBridgeEvent(
  overrides: {
    id?: string
    detailType?: string
    member?: { id?: number | string; identifier?: string }
    detail?: Record<string, unknown>
  } = {},
) {
  return {
    version: '0',
    id: overrides.id ?? randomUUID(),
    source: 'loyalty.platform',
    'detail-type': overrides.detailType ?? 'loyalty.tier.upgraded',
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: { member: overrides.member ?? { id: 1 }, ...overrides.detail },
  }
}

/** An SQS record as Lambda delivers it. */
export function sqsRecord(body: unknown, overrides: Partial<SQSRecord> = {}): SQSRecord {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: text,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'TEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test-queue',
    awsRegion: 'us-east-1',
    ...overrides,
  }
}

/** An SQS event of records. */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records }
}

/** A Lambda context with `timeoutMs` to live. */
export function lambdaContext(overrides: { functionName?: string; timeoutMs?: number } = {}): Context {
  const deadline = Date.now() + (overrides.timeoutMs ?? 30_000)
  const functionName = overrides.functionName ?? 'test-function'
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }
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
  body: string | Uint8Array,
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

/** What a local HTTP API answered: status, text and the parsed JSON body (or an empty object). */
export interface HttpAnswer {
  status: number
  text: string
  body: Record<string, unknown>
}

/**
 * POSTs a signed redemption delivery to a running HTTP API (`baseUrl`), as a POS would: JSON body, Standard Webhooks
 * headers signed with `secret` for `webhookId`.
 */
export async function postSignedRedemption(
  baseUrl: string,
  secret: string,
  webhookId: string,
  body: unknown,
): Promise<HttpAnswer> {
  const text = JSON.stringify(body)
  const response = await fetch(`${baseUrl}/pos/redemptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signedHeaders(text, [secret], { id: webhookId }) },
    body: text,
  })
  const answer = await response.text()
  return {
    status: response.status,
    text: answer,
    body: answer ? (JSON.parse(answer) as Record<string, unknown>) : {},
  }
}
