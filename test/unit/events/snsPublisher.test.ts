import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, it } from 'vitest'
import { buildOfferEvent, OfferEventPublishError, OfferEventType } from '../../../lib/events/outbound'
import { SnsOfferEventPublisher } from '../../../lib/events/snsPublisher'
import { LedgerStatus, OfferKind } from '../../../lib/ledger/types'

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:offer-events'

function event(n: number, type: OfferEventType = OfferEventType.issued) {
  return buildOfferEvent(
    type,
    {
      pk: `os#${n}`,
      kind: OfferKind.offerState,
      id: String(n),
      status: LedgerStatus.issued,
      sourceId: `evt-${n}`,
      issuedAt: '2026-11-23T09:00:00.000Z',
      updatedAt: '2026-11-23T09:00:00.000Z',
    } as Parameters<typeof buildOfferEvent>[1],
    'urn:test',
  )
}

function setup() {
  const client = new SNSClient({ region: 'us-east-1' })
  const mock = mockClient(client)
  return { mock, publisher: new SnsOfferEventPublisher(client, TOPIC) }
}

describe('SnsOfferEventPublisher', () => {
  it('publishes a lone event unchanged to the topic with ce-type and ce-id attributes', async () => {
    const { mock, publisher } = setup()
    mock.on(PublishCommand).resolves({ MessageId: 'm-1' })
    const sent = event(1, OfferEventType.redeemed)

    await publisher.publish(sent)

    const [call] = mock.commandCalls(PublishCommand)
    const input = call!.args[0].input
    expect(input.TopicArn).toBe(TOPIC)
    expect(JSON.parse(String(input.Message))).toEqual(sent)
    expect(input.MessageAttributes?.['ce-type']).toEqual({
      DataType: 'String',
      StringValue: 'offer.redeemed',
    })
    expect(input.MessageAttributes?.['ce-id']).toEqual({
      DataType: 'String',
      StringValue: 'offer.redeemed:os#1',
    })
    expect(mock.commandCalls(PublishBatchCommand)).toHaveLength(0)
  })

  it('coalesces events published together into PublishBatch calls of at most 10', async () => {
    const { mock, publisher } = setup()
    mock
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: Array<{ Id: string }> }) => ({
        Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
        Failed: [],
      }))

    await Promise.all(Array.from({ length: 23 }, (_, i) => publisher.publish(event(i))))

    const batches = mock
      .commandCalls(PublishBatchCommand)
      .map((c) => c.args[0].input.PublishBatchRequestEntries ?? [])
    expect(batches.map((entries) => entries.length)).toEqual([10, 10, 3])
    expect(new Set(batches.flat().map((e) => JSON.parse(String(e.Message)).id)).size).toBe(23)
    expect(mock.commandCalls(PublishCommand)).toHaveLength(0)
  })

  it('rejects only the publish whose entry SNS refused; a sender fault is not retryable', async () => {
    const { mock, publisher } = setup()
    mock.on(PublishBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm-0' }],
      Failed: [{ Id: '1', Code: 'InvalidParameter', SenderFault: true }],
    })

    const [first, second] = await Promise.allSettled([
      publisher.publish(event(1)),
      publisher.publish(event(2)),
    ])

    expect(first.status).toBe('fulfilled')
    const error = (second as PromiseRejectedResult).reason
    expect(error).toBeInstanceOf(OfferEventPublishError)
    expect(error.retryable).toBe(false)
    expect(error.message).toBe('SNS refused offer event offer.issued:os#2: InvalidParameter')
  })
})
