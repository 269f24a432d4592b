import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ledger, OfferKind } from '../../../lib/ledger'
import { startLedgerDynamo } from '../../support/dynamo'

let dynamo: Awaited<ReturnType<typeof startLedgerDynamo>>
let ledger: Ledger
let seq = 0
const nextKey = () => `claim#issue:test-${++seq}`
const t0 = new Date('2026-01-01T00:00:00.000Z')
const at = (ms: number) => new Date(t0.getTime() + ms)

beforeAll(async () => {
  dynamo = await startLedgerDynamo()
  ledger = new Ledger({ tableName: dynamo.tableName, client: dynamo.documentClient, sweepShards: 2 })
})
afterAll(() => dynamo.stop())

const entry = () =>
  ledger.entryFor({
    kind: OfferKind.offerState,
    id: String(500 + seq),
    sourceId: 'e',
    issuedAt: t0.toISOString(),
  })

describe('IssuanceClaims', () => {
  it('keeps a claim released after a possibly applied call closed until its safety window ends', async () => {
    const claims = ledger.issuanceClaims
    const key = nextKey()
    await claims.take(key, { owner: 'a' }, 10_000, t0)
    await claims.release(
      key,
      'a',
      { mayHaveReachedSparkfly: true, protectUntil: at(4_000).toISOString() },
      at(1_000),
    )

    expect(await claims.take(key, { owner: 'b' }, 10_000, at(1_050))).toMatchObject({ status: 'busy' })
    expect(await claims.take(key, { owner: 'c' }, 10_000, at(4_001))).toEqual({
      status: 'acquired',
      attempt: 2,
      previous: { state: 'failed', mayHaveReachedSparkfly: true },
    })
  })

  it('frees at once a claim released after a call that was not applied', async () => {
    const claims = ledger.issuanceClaims
    const key = nextKey()
    await claims.take(key, { owner: 'a' }, 10_000, t0)
    await claims.release(
      key,
      'a',
      { mayHaveReachedSparkfly: false, protectUntil: at(4_000).toISOString() },
      t0,
    )

    expect(await claims.take(key, { owner: 'b' }, 10_000, at(10))).toMatchObject({
      status: 'acquired',
      previous: { mayHaveReachedSparkfly: false },
    })
  })

  it('settles with the result and the entry in one write; a later take answers both, then the published mark', async () => {
    const claims = ledger.issuanceClaims
    const key = nextKey()
    const settled = entry()
    await claims.take(key, { owner: 'a', deliveryId: 'm-1' }, 10_000, t0)
    await claims.settle(key, 'a', { kind: 'offerState', id: settled.id }, settled, at(10))

    expect(await claims.take(key, { owner: 'b' }, 10_000, at(20))).toEqual({
      status: 'done',
      result: { kind: 'offerState', id: settled.id },
      entry: settled,
      published: false,
      deliveryId: 'm-1',
    })
    await claims.markPublished(key, at(30))
    expect(await claims.take(key, { owner: 'c' }, 10_000, at(40))).toMatchObject({ published: true })
  })

  it('refuses to settle a claim another holder took over', async () => {
    const claims = ledger.issuanceClaims
    const key = nextKey()
    await claims.take(key, { owner: 'a' }, 1_000, t0)
    await claims.take(key, { owner: 'b' }, 1_000, at(2_000))

    await expect(claims.settle(key, 'a', { id: 'x' }, entry(), at(2_100))).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    )
  })
})
