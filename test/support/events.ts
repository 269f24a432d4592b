import { randomUUID } from 'node:crypto'
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda'

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
