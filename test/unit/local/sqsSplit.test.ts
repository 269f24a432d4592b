import type { Message } from '@aws-sdk/client-sqs'
import type { SQSRecord } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { gatherBatch } from '../../../local/runtime/sqsBatcher'
import { invokeBatch } from '../../../local/runtime/sqsInvoker'
import { toSqsRecord } from '../../../local/runtime/sqsRecords'

/** A queue holding `count` messages that hands out at most `page` per receive, and the receives it saw. */
function fakeQueue(count: number, page = 10) {
  let next = 0
  const calls: Array<{ max: number; waitSeconds: number }> = []
  const receive = async (max: number, waitSeconds: number): Promise<Message[]> => {
    calls.push({ max, waitSeconds })
    const taken = Math.min(max, page, count - next)
    const messages = Array.from({ length: taken }, (_, i) => ({ MessageId: `m${next + i}` }))
    next += taken
    return messages
  }
  return { receive, calls }
}

const options = (
  receive: (max: number, wait: number) => Promise<Message[]>,
  batchSize: number,
  windowMs = 0,
) => ({
  receive,
  batchSize,
  windowMs,
  pollWaitSeconds: 1,
  isStopping: () => false,
})

describe('gatherBatch', () => {
  it('given no window, stops after a page that is not full', async () => {
    // given 25 messages and a batch size of 100
    const queue = fakeQueue(25)
    const batch: Message[] = []
    // when a batch is gathered
    await gatherBatch(options(queue.receive, 100), batch)
    // then it takes the three pages (10, 10, 5) and stops at the partial one
    expect(batch).toHaveLength(25)
    expect(queue.calls.map((call) => call.waitSeconds)).toEqual([1, 0, 0])
  })

  it('given no window, never gathers more than batchSize', async () => {
    const queue = fakeQueue(50)
    const batch: Message[] = []
    await gatherBatch(options(queue.receive, 20), batch)
    expect(batch).toHaveLength(20)
  })

  it('given an empty queue, returns an empty batch after one long poll', async () => {
    const queue = fakeQueue(0)
    const batch: Message[] = []
    await gatherBatch(options(queue.receive, 10, 500), batch)
    expect(batch).toEqual([])
    expect(queue.calls).toEqual([{ max: 10, waitSeconds: 1 }])
  })

  it('given a window, keeps the messages received before a later receive throws', async () => {
    // given a queue whose second receive fails
    let calls = 0
    const receive = async (): Promise<Message[]> => {
      calls += 1
      if (calls === 2) throw new Error('ReceiveMessage failed')
      return [{ MessageId: `m${calls}` }]
    }
    const batch: Message[] = []
    // when a batch is gathered, then the error surfaces and the first message is in the batch
    await expect(gatherBatch(options(receive, 10, 1_000), batch)).rejects.toThrow('ReceiveMessage failed')
    expect(batch).toEqual([{ MessageId: 'm1' }])
  })
})

const records = ['a', 'b', 'c'].map((id) =>
  toSqsRecord(
    { MessageId: id, ReceiptHandle: `rh-${id}` },
    'arn:aws:sqs:us-east-1:000000000000:q',
    'us-east-1',
  ),
)

function invoker(handler: () => unknown, timeoutMs = 1_000) {
  const deleted: string[][] = []
  return {
    deleted,
    options: {
      handler: async () => handler(),
      functionName: 'fn',
      functionTimeoutMs: timeoutMs,
      region: 'us-east-1',
      reportBatchItemFailures: true,
      deleteRecords: async (settled: readonly SQSRecord[]) => {
        deleted.push(settled.map((record) => record.messageId))
        return settled.length
      },
    },
  }
}

describe('invokeBatch', () => {
  it('given reported item failures, deletes the other records and reports a partial batch', async () => {
    const { options, deleted } = invoker(() => ({ batchItemFailures: [{ itemIdentifier: 'b' }] }))
    const report = await invokeBatch(options, records)
    expect(deleted).toEqual([['a', 'c']])
    expect(report).toMatchObject({ status: 'partial', deleted: 2, failed: 1, messageIds: ['a', 'b', 'c'] })
  })

  it('given a throwing handler, deletes nothing and reports the error', async () => {
    const failure = new Error('boom')
    const { options, deleted } = invoker(() => {
      throw failure
    })
    const report = await invokeBatch(options, records)
    expect(deleted).toEqual([])
    expect(report).toMatchObject({ status: 'error', deleted: 0, failed: 3, error: failure })
  })

  it('given an invalid batch response, deletes nothing and reports why', async () => {
    const { options, deleted } = invoker(() => ({ batchItemFailures: [{ itemIdentifier: 'zzz' }] }))
    const report = await invokeBatch(options, records)
    expect(deleted).toEqual([])
    expect(report.status).toBe('invalidResponse')
    expect(report.failed).toBe(3)
    expect(String(report.error)).toContain('zzz')
  })

  it('given a handler slower than the function timeout, deletes nothing and reports a timeout', async () => {
    const { options, deleted } = invoker(() => new Promise((done) => setTimeout(done, 200)), 20)
    const report = await invokeBatch(options, records)
    expect(deleted).toEqual([])
    expect(report).toMatchObject({ status: 'timeout', deleted: 0, failed: 3 })
  })
})
