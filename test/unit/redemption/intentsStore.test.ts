import { CreateTableCommand } from '@aws-sdk/client-dynamodb'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { intentKey, RedemptionIntents } from '../../../lib/ledger/intents'
import { idempotencyTableDefinition } from '../../../lib/ledger/schema'
import { startLedgerDynamo } from '../../support/dynamo'

// The DynamoDB adapter of delivery records and redemption intents, against dynalite.

let dynamo: Awaited<ReturnType<typeof startLedgerDynamo>>
let store: RedemptionIntents<{ answer: string }>
const table = 'idempotency-unit'
let seq = 0
const id = () => `msg_${++seq}`

beforeAll(async () => {
  dynamo = await startLedgerDynamo('ledger-intents-unit')
  await dynamo.client.send(new CreateTableCommand(idempotencyTableDefinition(table)))
  store = new RedemptionIntents({ tableName: table, client: dynamo.documentClient })
})
afterAll(() => dynamo.stop())

const lease = { leaseMs: 60_000, waitMs: 0 }

describe('RedemptionIntents: deliveries', () => {
  it('acquires a new delivery, replays its stored answer, refuses another body', async () => {
    const webhookId = id()
    const first = await store.claimDelivery(webhookId, 'fp', lease)
    expect(first.status).toBe('acquired')
    if (first.status !== 'acquired') return
    await store.completeDelivery(first.lease, { answer: 'redeemed' })

    expect(await store.claimDelivery(webhookId, 'fp', lease)).toEqual({
      status: 'answered',
      answer: { answer: 'redeemed' },
    })
    expect(await store.claimDelivery(webhookId, 'other', lease)).toEqual({ status: 'reused' })
  })

  it('is busy while held, acquired again once released or once its lease is over', async () => {
    const webhookId = id()
    const held = await store.claimDelivery(webhookId, 'fp', lease)
    expect(await store.claimDelivery(webhookId, 'fp', lease)).toEqual({ status: 'busy' })
    if (held.status !== 'acquired') throw new Error('not acquired')
    await store.releaseDelivery(held.lease)

    const again = await store.claimDelivery(webhookId, 'fp', { leaseMs: 1, waitMs: 0 })
    expect(again).toMatchObject({ status: 'acquired', attempt: 2 })
    const later = await store.claimDelivery(webhookId, 'fp', {
      ...lease,
      now: () => new Date(Date.now() + 10_000),
    })
    expect(later).toMatchObject({ status: 'acquired', attempt: 3 })
    // the attempt that lost its lease cannot store its answer over the new holder's
    if (again.status === 'acquired') await store.completeDelivery(again.lease, { answer: 'late' })
    expect(await store.claimDelivery(webhookId, 'fp', lease)).toEqual({ status: 'busy' })
  })
})

describe('RedemptionIntents: transaction intents', () => {
  it('tells each delivery what earlier ones noted, clears a refusal when a new one starts, restores it on undo', async () => {
    expect(await store.noteIntent('CODE1', 'T-1', 'msg_a')).toBeUndefined()
    await store.settleIntent('CODE1', 'T-1', 'refused')

    const earlier = await store.noteIntent('CODE1', 'T-1', 'msg_b')
    expect(earlier).toEqual({ deliveries: ['msg_a'], outcome: 'refused' })
    expect(await store.noteIntent('CODE1', 'T-1', 'msg_c')).toEqual({ deliveries: ['msg_a', 'msg_b'] })

    await store.restoreIntent('CODE1', 'T-1', earlier)
    expect(await store.noteIntent('CODE1', 'T-1', 'msg_d')).toMatchObject({ outcome: 'refused' })
  })

  it('deletes an intent only its own delivery noted when that delivery did not run', async () => {
    expect(await store.noteIntent('CODE2', 'T-2', 'msg_x')).toBeUndefined()

    await store.restoreIntent('CODE2', 'T-2', undefined)

    const item = await dynamo.documentClient.send(
      new GetCommand({ TableName: table, Key: { id: intentKey.transaction('CODE2', 'T-2') } }),
    )
    expect(item.Item).toBeUndefined()
  })
})
