import { createHash } from 'node:crypto'
import { resolve } from 'node:path'
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb'
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  Context,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda'
import { generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type HttpApi, startHttpApi } from '../../local/runtime/httpApi'
import { startScheduler } from '../../local/runtime/scheduler'
import { handlerResolver, loadServerlessConfig } from '../../local/runtime/serverlessConfig'
import { type InvocationReport, startSqsEventSource } from '../../local/runtime/sqsEventSource'
import { calls } from '../fixtures/local-runtime/handlers'
import {
  drainQueue,
  queueDepth,
  sendMessages,
  startLocalAwsForTests,
  type TestLocalAws,
} from '../support/localAws'

let aws: TestLocalAws

beforeAll(async () => {
  aws = await startLocalAwsForTests({ secrets: { sparkfly: { identity: 'id-1', key: 'key-1' } } })
})

afterAll(async () => {
  await aws?.stop()
})

describe('startLocalAws', () => {
  it('points the SDK at the local services through the environment', async () => {
    const documentClient = DynamoDBDocumentClient.from(aws.clients.dynamodb)
    const secrets = new SecretsManagerClient({})
    try {
      await documentClient.send(
        new PutCommand({
          TableName: process.env.LEDGER_TABLE,
          Item: { pk: 'os#1', kind: 'offerState', code: 'C-1' },
        }),
      )
      const { Item } = await documentClient.send(
        new GetCommand({ TableName: process.env.LEDGER_TABLE, Key: { pk: 'os#1' } }),
      )
      const secret = await secrets.send(
        new GetSecretValueCommand({ SecretId: process.env.SPARKFLY_SECRET_ID }),
      )

      expect(Item).toEqual({ pk: 'os#1', kind: 'offerState', code: 'C-1' })
      expect(JSON.parse(secret.SecretString ?? '')).toEqual({ identity: 'id-1', key: 'key-1' })
      expect(aws.secretsManager.counters().GetSecretValue).toBe(1)
    } finally {
      secrets.destroy()
    }
  })

  it('creates the ledger table from its schema and the queues with their redrive policies', async () => {
    const { Table } = await aws.clients.dynamodb.send(
      new DescribeTableCommand({ TableName: aws.tables.ledger }),
    )
    const { Attributes } = await aws.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: aws.queues.voidRequests, AttributeNames: ['RedrivePolicy'] }),
    )

    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'byCode',
      'byOffer',
      'bySweep',
    ])
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: aws.queueArns.voidRequestsDlq,
      maxReceiveCount: 5,
    })
    expect(aws.queues.loyaltyEvents).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/loyalty-events$/)
    expect(aws.env()).toMatchObject({
      ISSUANCE_DLQ_URL: aws.queues.loyaltyEventsDlq,
      BULK_VOID_DLQ_URL: aws.queues.voidRequestsDlq,
      OFFER_EVENTS_QUEUE_URL: aws.queues.offerEvents,
      IDEMPOTENCY_TABLE: 'offers-idempotency',
      WEBHOOK_SECRET_ID: 'pos/webhook',
    })
  })
})

describe('startSqsEventSource', () => {
  let sqs: SQSClient
  let sequence = 0

  /** A fresh queue with a 1 s visibility timeout and its DLQ (maxReceiveCount as given). */
  async function queuePair(maxReceiveCount: number): Promise<{ url: string; arn: string; dlqUrl: string }> {
    const name = `rt-${++sequence}-${Date.now()}`
    const { QueueUrl: dlqUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }))
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    )
    const { QueueUrl: url = '' } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.Attributes?.QueueArn, maxReceiveCount }),
        },
      }),
    )
    const main = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    )
    return { url, arn: main.Attributes?.QueueArn ?? '', dlqUrl }
  }

  beforeAll(() => {
    sqs = aws.clients.sqs
  })

  it('given a partial batch failure, deletes only the succeeded records and redelivers the failed one until the DLQ', async () => {
    const queue = await queuePair(3)
    await sendMessages(queue.url, ['ok-1', 'fail-me', 'ok-2'], { attributes: { kind: 'test' } })
    const invocations: { records: SQSRecord[]; context: Context; remainingMs: number }[] = []
    const reports: InvocationReport[] = []

    const source = startSqsEventSource({
      queueUrl: queue.url,
      functionName: 'partial-fn',
      batchSize: 10,
      maximumBatchingWindowMs: 300,
      functionTimeoutMs: 5000,
      maxConcurrency: 1,
      onInvoke: (report) => reports.push(report),
      handler: async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
        invocations.push({ records: event.Records, context, remainingMs: context.getRemainingTimeInMillis() })
        return {
          batchItemFailures: event.Records.filter((r) => r.body === 'fail-me').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        }
      },
    })
    try {
      await source.idle({ timeoutMs: 15_000 })
    } finally {
      await source.stop()
    }

    // the first invocation saw the whole batch, shaped like Lambda's event
    const first = invocations[0]!
    expect(first.records.map((r) => r.body).sort()).toEqual(['fail-me', 'ok-1', 'ok-2'])
    expect(first.records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      md5OfBody: createHash('md5').update(first.records[0]!.body).digest('hex'),
      attributes: { ApproximateReceiveCount: '1', SenderId: expect.any(String) },
      messageAttributes: {
        kind: { stringValue: 'test', dataType: 'String', stringListValues: [], binaryListValues: [] },
      },
    })
    expect(Number(first.records[0]!.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000)
    expect(first.context.functionName).toBe('partial-fn')
    expect(first.remainingMs).toBeGreaterThan(4000)
    expect(first.remainingMs).toBeLessThanOrEqual(5000)

    // the succeeded records were delivered once; the failed one came back with a growing receive count
    const deliveries = (body: string) =>
      invocations.flatMap((i) =>
        i.records.filter((r) => r.body === body).map((r) => r.attributes.ApproximateReceiveCount),
      )
    expect(deliveries('ok-1')).toEqual(['1'])
    expect(deliveries('ok-2')).toEqual(['1'])
    expect(deliveries('fail-me')).toEqual(['1', '2', '3'])
    expect(reports.map((r) => [r.status, r.deleted, r.failed])).toEqual([
      ['partial', 2, 1],
      ['partial', 0, 1],
      ['partial', 0, 1],
    ])

    // and after maxReceiveCount it sits on the dead-letter queue, the source queue empty
    const parked = await drainQueue(queue.dlqUrl, { count: 1, waitMs: 2000 })
    expect(parked.map((m) => m.body)).toEqual(['fail-me'])
    expect((await queueDepth(queue.url)).total).toBe(0)
  })

  it('given a throwing handler, deletes nothing and the whole batch comes back after the visibility timeout', async () => {
    const queue = await queuePair(10)
    const ids = await sendMessages(queue.url, ['a', 'b'])
    let invoked = 0
    let release: () => void = () => undefined
    const firstInvocation = new Promise<void>((resolve) => {
      release = resolve
    })
    const reports: InvocationReport[] = []
    const source = startSqsEventSource({
      queueUrl: queue.url,
      queueArn: queue.arn,
      functionName: 'throwing-fn',
      batchSize: 10,
      maximumBatchingWindowMs: 200,
      functionTimeoutMs: 5000,
      maxConcurrency: 1,
      pollWaitSeconds: 0,
      onInvoke: (report) => {
        reports.push(report)
        release()
      },
      handler: async () => {
        invoked++
        throw new Error('boom')
      },
    })
    await firstInvocation
    await source.stop()

    expect(invoked).toBe(1)
    expect(reports[0]).toMatchObject({ status: 'error', deleted: 0, failed: 2, error: new Error('boom') })
    expect(await queueDepth(queue.url)).toMatchObject({ inFlight: 2, total: 2 })
    const redelivered = await drainQueue(queue.url, { count: 2, waitMs: 3000 })
    expect(redelivered.map((m) => m.messageId).sort()).toEqual([...ids].sort())
    expect(redelivered.map((m) => m.receiveCount)).toEqual([2, 2])
  })

  it('given a handler that outlives its timeout, deletes nothing', async () => {
    const queue = await queuePair(10)
    await sendMessages(queue.url, ['slow'])
    const reports: InvocationReport[] = []
    let done: () => void = () => undefined
    const reported = new Promise<void>((resolve) => {
      done = resolve
    })
    const source = startSqsEventSource({
      queueUrl: queue.url,
      functionName: 'slow-fn',
      batchSize: 1,
      functionTimeoutMs: 100,
      maxConcurrency: 1,
      pollWaitSeconds: 0,
      onInvoke: (report) => {
        reports.push(report)
        done()
      },
      handler: () => new Promise((resolve) => setTimeout(resolve, 400)),
    })
    await reported
    await source.stop()

    expect(reports[0]).toMatchObject({ status: 'timeout', deleted: 0, failed: 1 })
    expect((await queueDepth(queue.url)).total).toBe(1)
  })

  it.each([
    [
      'an itemIdentifier outside the batch',
      { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] },
    ],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
  ])('given %s, fails the whole batch', async (_, response) => {
    const queue = await queuePair(10)
    await sendMessages(queue.url, ['x', 'y'])
    const reports: InvocationReport[] = []
    let done: () => void = () => undefined
    const reported = new Promise<void>((resolve) => {
      done = resolve
    })
    const source = startSqsEventSource({
      queueUrl: queue.url,
      functionName: 'invalid-response-fn',
      batchSize: 10,
      maximumBatchingWindowMs: 200,
      functionTimeoutMs: 5000,
      maxConcurrency: 1,
      pollWaitSeconds: 0,
      onInvoke: (report) => {
        reports.push(report)
        done()
      },
      handler: async () => response,
    })
    await reported
    await source.stop()

    expect(reports[0]).toMatchObject({ status: 'invalidResponse', deleted: 0, failed: 2 })
    expect(await queueDepth(queue.url)).toMatchObject({ inFlight: 2, total: 2 })
  })

  it('deletes the whole batch on a plain return, in batches of at most batchSize, with bounded concurrency', async () => {
    const queue = await queuePair(10)
    await sendMessages(
      queue.url,
      Array.from({ length: 9 }, (_, i) => ({ n: i })),
    )
    const sizes: number[] = []
    let running = 0
    let maxRunning = 0
    const source = startSqsEventSource({
      queueUrl: queue.url,
      functionName: 'plain-fn',
      batchSize: 2,
      functionTimeoutMs: 5000,
      maxConcurrency: 2,
      handler: async (event: SQSEvent) => {
        running++
        maxRunning = Math.max(maxRunning, running)
        sizes.push(event.Records.length)
        await new Promise((resolve) => setTimeout(resolve, 30))
        running--
        return undefined
      },
    })
    try {
      await source.idle({ timeoutMs: 10_000 })
    } finally {
      await source.stop()
    }

    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(9)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2)
    expect(maxRunning).toBeLessThanOrEqual(2)
    expect(source.stats()).toMatchObject({ received: 9, deleted: 9, failed: 0 })
    expect((await queueDepth(queue.url)).total).toBe(0)
  })
})

describe('startHttpApi', () => {
  const fixtureDir = resolve(__dirname, '../fixtures/local-runtime')
  const config = loadServerlessConfig({ rootDir: fixtureDir, stage: 'test', env: {} })
  let api: HttpApi

  beforeAll(async () => {
    api = await startHttpApi({
      config,
      resolveHandler: handlerResolver({ rootDir: fixtureDir, importModule: (path) => import(path) }),
    })
  })

  afterAll(async () => {
    await api?.stop()
  })

  beforeEach(() => {
    calls.length = 0
  })

  const lastEvent = <T = APIGatewayProxyEventV2>() => calls.at(-1)?.event as T

  it('routes a request to its handler with the raw body intact and an API Gateway 2.0 event', async () => {
    const raw = '{"amount": 12.50,  "note":"caf\u00e9"}\r\n'
    const response = await fetch(`${api.url}/echo/abc%20d?x=1&x=2&y=z`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Custom-Header': 'Value', Cookie: 'a=1; b=2' },
      body: raw,
    })

    expect(response.status).toBe(201)
    expect(response.headers.get('x-echo')).toBe('yes')
    expect(response.headers.get('apigw-requestid')).toBeTruthy()
    expect(await response.text()).toBe(raw)
    const event = lastEvent()
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo/{id}',
      rawPath: '/echo/abc%20d',
      rawQueryString: 'x=1&x=2&y=z',
      queryStringParameters: { x: '1,2', y: 'z' },
      pathParameters: { id: 'abc d' },
      cookies: ['a=1', 'b=2'],
      body: raw,
      isBase64Encoded: false,
      headers: { 'content-type': 'application/json', 'x-custom-header': 'Value' },
      requestContext: {
        http: { method: 'POST', path: '/echo/abc%20d', sourceIp: '127.0.0.1' },
        routeKey: 'POST /echo/{id}',
        stage: '$default',
      },
    })
    expect(event.requestContext.requestId).toBe(response.headers.get('apigw-requestid'))
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(5000)
    expect(calls.at(-1)?.context.functionName).toBe('local-runtime-fixture-test-echo')
    expect(calls.at(-1)?.remainingMs).toBeGreaterThan(4000)
  })

  it('passes a binary body base64-encoded and returns a base64 result as bytes', async () => {
    const bytes = Uint8Array.from([0, 255, 1, 254, 0x80])
    const response = await fetch(`${api.url}/echo/bin`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: bytes,
    })

    expect(lastEvent()).toMatchObject({ isBase64Encoded: true, body: Buffer.from(bytes).toString('base64') })
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes)
  })

  it('answers a plain object result as 200 JSON and fills greedy path parameters', async () => {
    const response = await fetch(`${api.url}/files/a/b%2Fc.txt`)

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual({
      ok: true,
      path: '/files/a/b%2Fc.txt',
      params: { path: 'a/b/c.txt' },
    })
  })

  it('answers 404 for an unknown route and 500 when the function throws or times out', async () => {
    const missing = await fetch(`${api.url}/nowhere`)
    const broken = await fetch(`${api.url}/broken`)
    const slow = await fetch(`${api.url}/slow`)

    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }])
    expect([broken.status, await broken.json()]).toEqual([500, { message: 'Internal Server Error' }])
    expect([slow.status, await slow.json()]).toEqual([500, { message: 'Internal Server Error' }])
  })

  it('answers 413 for a body over 10 MB without invoking the function', async () => {
    const response = await fetch(`${api.url}/echo/big`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    })

    expect(response.status).toBe(413)
    expect(calls).toHaveLength(0)
  })

  describe('JWT authorizer', () => {
    const unauthorized = async (headers: Record<string, string>) => {
      const response = await fetch(`${api.url}/secure`, { headers })
      return { status: response.status, body: await response.json() }
    }

    it('answers 401 without invoking the function when the token is missing or invalid', async () => {
      const { privateKey: foreignKey } = await generateKeyPair('ES256')
      const foreign = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'other' })
        .setSubject('intruder')
        .setIssuer(api.authorizers.staffJwt!.issuer)
        .setAudience(api.authorizers.staffJwt!.audience[0]!)
        .setExpirationTime('1h')
        .sign(foreignKey)
      const expired = await api.mintStaffToken({ sub: 'staff-1', expiresIn: -60 })
      const wrongAudience = await api.mintStaffToken({ sub: 'staff-1', audience: 'someone-else' })
      const wrongIssuer = await api.mintStaffToken({ sub: 'staff-1', issuer: 'https://elsewhere.test/' })

      const answers = [
        await unauthorized({}),
        await unauthorized({ Authorization: 'Bearer not-a-jwt' }),
        await unauthorized({ Authorization: `Bearer ${foreign}` }),
        await unauthorized({ Authorization: `Bearer ${expired}` }),
        await unauthorized({ Authorization: `Bearer ${wrongAudience}` }),
        await unauthorized({ Authorization: `Bearer ${wrongIssuer}` }),
      ]

      for (const answer of answers) expect(answer).toEqual({ status: 401, body: { message: 'Unauthorized' } })
      expect(calls).toHaveLength(0)
    })

    it('passes a valid token through with its claims in requestContext.authorizer.jwt', async () => {
      const token = await api.mintStaffToken({
        sub: 'staff-7',
        email: 'ops@example.com',
        scope: 'offers/read offers/void',
      })

      const response = await fetch(`${api.url}/secure`, { headers: { Authorization: `Bearer ${token}` } })

      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ sub: 'staff-7' })
      const { jwt } = lastEvent<APIGatewayProxyEventV2WithJWTAuthorizer>().requestContext.authorizer
      expect(jwt.claims).toMatchObject({
        sub: 'staff-7',
        email: 'ops@example.com',
        iss: 'https://issuer.local-runtime.test/',
        aud: 'fixture-staff',
        exp: expect.stringMatching(/^\d+$/),
      })
      expect(jwt.scopes).toEqual(['offers/read', 'offers/void'])
    })

    it('answers 403 for a route scope the token lacks, and lets a token with it through', async () => {
      const reader = await api.mintStaffToken({ sub: 'staff-8', scope: 'offers/read' })
      const voider = await api.mintStaffToken({ sub: 'staff-9', scope: 'offers/void' })
      const unscoped = await api.mintStaffToken({ sub: 'staff-10', scope: '' })

      for (const token of [reader, unscoped]) {
        const denied = await fetch(`${api.url}/scoped`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}` },
        })
        expect([denied.status, await denied.json()]).toEqual([403, { message: 'Forbidden' }])
      }
      expect(calls).toHaveLength(0)

      const allowed = await fetch(`${api.url}/scoped`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${voider}` },
      })
      expect(allowed.status).toBe(200)
      expect(calls).toHaveLength(1)
    })

    it('publishes the public key set, without private parts', async () => {
      const response = await fetch(`${api.url}/.well-known/jwks.json`)
      const jwks = (await response.json()) as { keys: Record<string, unknown>[] }

      expect(jwks.keys).toHaveLength(1)
      expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
      expect(jwks.keys[0]).not.toHaveProperty('d')
    })
  })
})

describe('startScheduler', () => {
  it('runNow invokes the handler with an EventBridge Scheduled Event', async () => {
    const events: ScheduledEvent[] = []
    const scheduler = startScheduler({
      functionName: 'sweeper',
      functionTimeoutMs: 1000,
      handler: async (event) => {
        events.push(event as ScheduledEvent)
        return 'swept'
      },
    })

    const outcome = await scheduler.runNow()
    await scheduler.stop()

    expect(outcome).toMatchObject({ status: 'ok', result: 'swept' })
    expect(events[0]).toMatchObject({
      version: '0',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      region: 'us-east-1',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/sweeper-schedule'],
      detail: {},
    })
    expect(events[0]!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  })

  it('passes the schedule input instead of the event when the rule has one', async () => {
    const received: unknown[] = []
    const scheduler = startScheduler({
      functionName: 'with-input',
      functionTimeoutMs: 1000,
      input: { mode: 'sweep' },
      handler: async (event) => {
        received.push(event)
      },
    })
    await scheduler.runNow()
    await scheduler.runNow({ mode: 'override' })
    await scheduler.stop()

    expect(received).toEqual([{ mode: 'sweep' }, { mode: 'override' }])
  })

  it('never overlaps runs, whether started by the interval or by runNow', async () => {
    let running = 0
    let maxRunning = 0
    const scheduler = startScheduler({
      functionName: 'slow-sweeper',
      functionTimeoutMs: 1000,
      periodMs: 20,
      handler: async () => {
        running++
        maxRunning = Math.max(maxRunning, running)
        await new Promise((resolve) => setTimeout(resolve, 60))
        running--
      },
    })
    await Promise.all([scheduler.runNow(), scheduler.runNow()])
    await new Promise((resolve) => setTimeout(resolve, 250))
    await scheduler.stop()

    expect(maxRunning).toBe(1)
    expect(scheduler.stats().runs).toBeGreaterThanOrEqual(4)
    expect(scheduler.stats().skippedTicks).toBeGreaterThan(0)
  })
})
