import { createHash } from 'node:crypto'
import type { SQSRecord } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { translateResult } from '../../../local/runtime/httpApi'
import { createLambdaContext, invokeHandler } from '../../../local/runtime/lambda'
import { recordsToDelete, toSqsRecord } from '../../../local/runtime/sqsEventSource'

const record = (messageId: string): SQSRecord =>
  toSqsRecord(
    { MessageId: messageId, ReceiptHandle: `rh-${messageId}`, Body: messageId },
    'arn:aws:sqs:us-east-1:000000000000:q',
    'us-east-1',
  )

const batch = [record('m1'), record('m2'), record('m3')]
const ids = (records: SQSRecord[]) => records.map((r) => r.messageId)

describe('recordsToDelete', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a string', 'done'],
    ['an empty batchItemFailures list', { batchItemFailures: [] }],
    ['a null batchItemFailures', { batchItemFailures: null }],
  ])('deletes the whole batch when the handler returns %s', (_, result) => {
    expect(ids(recordsToDelete(batch, result))).toEqual(['m1', 'm2', 'm3'])
  })

  it('deletes every record not listed in batchItemFailures', () => {
    expect(ids(recordsToDelete(batch, { batchItemFailures: [{ itemIdentifier: 'm2' }] }))).toEqual([
      'm1',
      'm3',
    ])
  })

  it.each([
    ['an unknown itemIdentifier', { batchItemFailures: [{ itemIdentifier: 'other' }] }],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a missing itemIdentifier', { batchItemFailures: [{ id: 'm1' }] }],
    ['a null entry', { batchItemFailures: [null] }],
    ['batchItemFailures that is not a list', { batchItemFailures: 'm1' }],
  ])('fails the whole batch for %s', (_, result) => {
    expect(() => recordsToDelete(batch, result)).toThrow(/itemIdentifier|not a list/)
  })

  it('ignores batchItemFailures when ReportBatchItemFailures is off', () => {
    expect(
      ids(recordsToDelete(batch, { batchItemFailures: [{ itemIdentifier: 'm1' }] }, false)),
    ).toHaveLength(3)
  })
})

describe('toSqsRecord', () => {
  it('shapes a received message like a Lambda SQS record', () => {
    const body = '{"hello":"world"}'
    const md5 = createHash('md5').update(body).digest('hex')
    const converted = toSqsRecord(
      {
        MessageId: 'id-1',
        ReceiptHandle: 'rh-1',
        Body: body,
        MD5OfBody: md5,
        MD5OfMessageAttributes: 'abc',
        Attributes: {
          ApproximateReceiveCount: '2',
          SentTimestamp: '1700000000000',
          SenderId: '000000000000',
          ApproximateFirstReceiveTimestamp: '1700000000100',
        },
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'birthday' },
          blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
        },
      },
      'arn:aws:sqs:eu-west-1:000000000000:events',
      'eu-west-1',
    )

    expect(converted).toEqual({
      messageId: 'id-1',
      receiptHandle: 'rh-1',
      body,
      attributes: {
        ApproximateReceiveCount: '2',
        SentTimestamp: '1700000000000',
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: '1700000000100',
      },
      messageAttributes: {
        kind: {
          stringValue: 'birthday',
          binaryValue: undefined,
          stringListValues: [],
          binaryListValues: [],
          dataType: 'String',
        },
        blob: {
          stringValue: undefined,
          binaryValue: 'AQID',
          stringListValues: [],
          binaryListValues: [],
          dataType: 'Binary',
        },
      },
      md5OfBody: md5,
      md5OfMessageAttributes: 'abc',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:events',
      awsRegion: 'eu-west-1',
    })
  })
})

describe('invokeHandler', () => {
  const context = () => createLambdaContext({ functionName: 'fn', timeoutMs: 1000 })

  it('returns the resolved value of an async handler', async () => {
    const outcome = await invokeHandler(async (event: number) => event * 2, 21, context(), 1000)
    expect(outcome).toMatchObject({ status: 'ok', result: 42 })
  })

  it('returns the value passed to the callback of a callback-style handler', async () => {
    const handler = (_event: unknown, _context: unknown, callback: (e?: unknown, r?: string) => void) => {
      setTimeout(() => callback(undefined, 'called back'), 5)
      return undefined
    }
    expect(await invokeHandler(handler, {}, context(), 1000)).toMatchObject({
      status: 'ok',
      result: 'called back',
    })
  })

  it('reports a thrown error and a rejection as function errors', async () => {
    const thrown = await invokeHandler(
      () => {
        throw new Error('sync')
      },
      {},
      context(),
      1000,
    )
    const rejected = await invokeHandler(async () => Promise.reject(new Error('async')), {}, context(), 1000)
    expect(thrown).toMatchObject({ status: 'error', error: new Error('sync') })
    expect(rejected).toMatchObject({ status: 'error', error: new Error('async') })
  })

  it('reports a timeout when the handler outlives its timeout', async () => {
    const outcome = await invokeHandler(() => new Promise(() => undefined), {}, context(), 50)
    expect(outcome.status).toBe('timeout')
    expect(outcome.durationMs).toBeGreaterThanOrEqual(45)
  })

  it('gives the handler a context whose remaining time counts down from the timeout', async () => {
    const ctx = createLambdaContext({ functionName: 'my-fn', timeoutMs: 3000, region: 'eu-west-1' })
    await new Promise((resolve) => setTimeout(resolve, 30))

    expect(ctx.getRemainingTimeInMillis()).toBeLessThanOrEqual(2975)
    expect(ctx.getRemainingTimeInMillis()).toBeGreaterThan(2000)
    expect(ctx.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:000000000000:function:my-fn')
    expect(ctx.awsRequestId).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('translateResult', () => {
  it('turns a plain object into a 200 JSON answer, as API Gateway infers it', () => {
    const answer = translateResult({ ok: true })
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe('application/json')
    expect(answer.body.toString()).toBe('{"ok":true}')
  })

  it('keeps status, headers, cookies and decodes a base64 body', () => {
    const answer = translateResult({
      statusCode: 202,
      headers: { 'X-Trace': 't1' },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from([0, 255]).toString('base64'),
      isBase64Encoded: true,
    })
    expect(answer.status).toBe(202)
    expect(answer.headers).toEqual({ 'x-trace': 't1', 'set-cookie': ['a=1', 'b=2'] })
    expect([...answer.body]).toEqual([0, 255])
  })

  it('rejects an invalid status code', () => {
    expect(() => translateResult({ statusCode: 'abc' })).toThrow(/statusCode/)
  })
})
