import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, it } from 'vitest'
import {
  buildOfferEvent,
  OfferEventPublishError,
  OfferEventType,
  SqsOfferEventPublisher,
} from '../../../lib/events/outbound'
import { LedgerStatus, OfferKind } from '../../../lib/ledger/types'

const QUEUE = 'http://127.0.0.1:1/000000000000/offer-events'

function event(n: number) {
  return buildOfferEvent(
    OfferEventType.issued,
    {
      pk: `os#${n}`,
      kind: OfferKind.offerState,
      id: String(n),
      code: `CODE${n}`,
      status: LedgerStatus.issued,
      memberId: '42',
      sourceId: `evt-${n}`,
      issuedAt: '2026-11-23T09:00:00.000Z',
      updatedAt: '2026-11-23T09:00:00.000Z',
    } as Parameters<typeof buildOfferEvent>[1],
    'urn:test',
  )
}

function setup() {
  const client = new SQSClient({ region: 'us-east-1' })
  const mock = mockClient(client)
  return { mock, publisher: new SqsOfferEventPublisher(client, QUEUE) }
}

describe('SqsOfferEventPublisher', () => {
  it('sends a lone event as one SendMessage with its CloudEvents attributes', async () => {
    const { mock, publisher } = setup()
    mock.on(SendMessageCommand).resolves({ MessageId: 'm-1' })

    await publisher.publish(event(1))

    const calls = mock.commandCalls(SendMessageCommand)
    expect(calls).toHaveLength(1)
    const input = calls[0]!.args[0].input
    expect(JSON.parse(String(input.MessageBody))).toMatchObject({
      id: 'offer.issued:os#1',
      type: 'offer.issued',
    })
    expect(input.MessageAttributes?.['ce-type']?.StringValue).toBe('offer.issued')
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(0)
  })

  it('coalesces events published together into SendMessageBatch calls of at most 10', async () => {
    const { mock, publisher } = setup()
    mock.on(SendMessageBatchCommand).callsFake((input: { Entries: Array<{ Id: string }> }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
      Failed: [],
    }))

    await Promise.all(Array.from({ length: 12 }, (_, i) => publisher.publish(event(i))))

    const batches = mock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries ?? [])
    expect(batches.map((entries) => entries.length)).toEqual([10, 2])
    const ids = batches.flat().map((e) => JSON.parse(String(e.MessageBody)).id)
    expect(new Set(ids).size).toBe(12)
  })

  it('rejects only the publish whose entry SQS refused', async () => {
    const { mock, publisher } = setup()
    mock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm-0', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    })

    const [first, second] = await Promise.allSettled([
      publisher.publish(event(1)),
      publisher.publish(event(2)),
    ])

    expect(first.status).toBe('fulfilled')
    expect(second.status).toBe('rejected')
    const error = (second as PromiseRejectedResult).reason
    expect(error).toBeInstanceOf(OfferEventPublishError)
    expect(error.retryable).toBe(true)
    expect(error.message).toContain('offer.issued:os#2')
  })

  it('rejects every publish of a batch whose call failed, and the next publish starts afresh', async () => {
    const { mock, publisher } = setup()
    mock.on(SendMessageBatchCommand).rejects(new Error('socket hang up'))
    mock.on(SendMessageCommand).resolves({ MessageId: 'm-9' })

    const results = await Promise.allSettled([publisher.publish(event(1)), publisher.publish(event(2))])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])

    await expect(publisher.publish(event(3))).resolves.toBeUndefined()
  })
})
