import { SNSClient } from '@aws-sdk/client-sns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildOfferEvent, type OfferCloudEvent, OfferEventType } from '../../lib/events/outbound'
import { SnsOfferEventPublisher } from '../../lib/events/snsPublisher'
import { LedgerStatus, OfferKind } from '../../lib/ledger/types'
import { addQueueSubscriber, LOCAL_CREDENTIALS } from '../../local/aws'
import { drainQueue, startLocalAwsForTests, type TestLocalAws } from '../support/localAws'

let aws: TestLocalAws
let sns: SNSClient

beforeAll(async () => {
  aws = await startLocalAwsForTests()
  sns = new SNSClient({ region: aws.region, endpoint: aws.endpoints.sns, credentials: LOCAL_CREDENTIALS })
})

afterAll(async () => {
  sns?.destroy()
  await aws?.stop()
})

function event(n: number, type: OfferEventType): OfferCloudEvent {
  return buildOfferEvent(
    type,
    {
      pk: `os#${n}`,
      kind: OfferKind.offerState,
      id: String(n),
      status: LedgerStatus.issued,
      memberId: '42',
      sourceId: `evt-${n}`,
      issuedAt: '2026-11-23T09:00:00.000Z',
      updatedAt: '2026-11-23T09:00:00.000Z',
    } as Parameters<typeof buildOfferEvent>[1],
    'urn:test',
  )
}

describe('offer events fan out through the SNS topic', () => {
  it('the default queue gets every event unchanged (raw delivery); a filtered subscriber only offer.redeemed', async () => {
    const crm = await addQueueSubscriber(
      { sqs: aws.clients.sqs, sns },
      aws.topics.offerEvents,
      'crm-redeemed',
      {
        'ce-type': ['offer.redeemed'],
      },
    )
    const publisher = new SnsOfferEventPublisher(sns, aws.topics.offerEvents)
    const types = [
      OfferEventType.issued,
      OfferEventType.redeemed,
      OfferEventType.voided,
      OfferEventType.expired,
    ]
    const sent = Array.from({ length: 12 }, (_, i) => event(i, types[i % types.length]!))

    await Promise.all(sent.map((e) => publisher.publish(e)))

    const all = await drainQueue(aws.queues.offerEvents, { count: sent.length, waitMs: 1000 })
    const bodies = all.map((m) => JSON.parse(m.body) as OfferCloudEvent)
    expect(bodies.sort((a, b) => Number(a.data.offer.id) - Number(b.data.offer.id))).toEqual(sent)
    for (const message of all) {
      const body = JSON.parse(message.body) as OfferCloudEvent
      expect(message.attributes).toMatchObject({ 'ce-type': body.type, 'ce-id': body.id })
    }
    const redeemed = await drainQueue(crm.url, { waitMs: 300 })
    expect(redeemed.map((m) => (JSON.parse(m.body) as OfferCloudEvent).id).sort()).toEqual(
      sent
        .filter((e) => e.type === OfferEventType.redeemed)
        .map((e) => e.id)
        .sort(),
    )
    expect(await drainQueue(aws.queues.offerEventsDlq, { waitMs: 100 })).toEqual([])
  })

  it('a publish to a topic that does not exist rejects (the caller retries; nothing is lost silently)', async () => {
    const publisher = new SnsOfferEventPublisher(sns, `${aws.topics.offerEvents}-missing`)
    await expect(publisher.publish(event(99, OfferEventType.issued))).rejects.toThrow()
  })
})
