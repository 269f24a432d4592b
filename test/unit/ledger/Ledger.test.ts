import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ledger, LedgerConflictError, LedgerStatus, OfferKind } from '../../../lib/ledger'
import { startLedgerDynamo } from '../../support/dynamo'

let dynamo: Awaited<ReturnType<typeof startLedgerDynamo>>
let ledger: Ledger
let seq = 0
const nextId = () => String(100_000 + ++seq)

beforeAll(async () => {
  dynamo = await startLedgerDynamo()
  ledger = new Ledger({ tableName: dynamo.tableName, client: dynamo.documentClient, sweepShards: 2 })
})
afterAll(() => dynamo.stop())

const offerState = (overrides: Partial<Parameters<Ledger['record']>[0]> = {}) => ({
  kind: OfferKind.offerState,
  id: nextId(),
  code: `CODE${seq}`,
  memberId: '42',
  campaignId: 'xid-1',
  offerId: '7',
  sourceId: `evt-${seq}`,
  issuedAt: '2026-01-01T00:00:00.000Z',
  expiresAt: '2026-02-01T00:00:00.000Z',
  ...overrides,
})

describe('Ledger.record', () => {
  it('stores a new offer as issued and finds it by kind + id and by code', async () => {
    const input = offerState()
    const { entry, created } = await ledger.record(input)
    expect(created).toBe(true)
    expect(entry.status).toBe(LedgerStatus.issued)
    expect(await ledger.get(OfferKind.offerState, input.id)).toMatchObject({
      code: input.code,
      status: 'issued',
    })
    expect(await ledger.findByCode(input.code)).toMatchObject({ id: input.id })
  })

  it('is idempotent: recording the same offer twice keeps the first entry', async () => {
    const input = offerState()
    await ledger.record(input)
    const again = await ledger.record({ ...input, sourceId: 'other' })
    expect(again.created).toBe(false)
    expect(again.entry.sourceId).toBe(input.sourceId)
  })
})

describe('Ledger.transition', () => {
  it('moves issued -> voided once; the second attempt conflicts with the current state', async () => {
    const input = offerState()
    await ledger.record(input)
    const voided = await ledger.transition(OfferKind.offerState, input.id, 'voided', {
      at: '2026-01-02T00:00:00.000Z',
      reason: 'fraud',
    })
    expect(voided).toMatchObject({
      status: 'voided',
      voidReason: 'fraud',
      voidedAt: '2026-01-02T00:00:00.000Z',
    })
    expect(voided.sweepPk).toBeUndefined()
    const second = ledger.transition(OfferKind.offerState, input.id, 'redeemed', {
      at: '2026-01-03T00:00:00.000Z',
    })
    await expect(second).rejects.toBeInstanceOf(LedgerConflictError)
    await expect(second).rejects.toMatchObject({ current: { status: 'voided' } })
  })

  it('of two concurrent transitions exactly one wins', async () => {
    const input = offerState()
    await ledger.record(input)
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        ledger.transition(OfferKind.offerState, input.id, 'redeemed', {
          at: new Date().toISOString(),
          transactionId: `t${i}`,
        }),
      ),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  })

  it('refuses an offer that is not in the ledger', async () => {
    await expect(
      ledger.transition(OfferKind.credential, '999999999', 'voided', { at: 'x' }),
    ).rejects.toMatchObject({
      current: undefined,
    })
  })
})

describe('Ledger.dueForSweep', () => {
  it('returns only issued offers due by the cutoff, from the sparse index', async () => {
    const due = offerState({ expiresAt: '2025-06-01T00:00:00.000Z' })
    const notDue = offerState({ expiresAt: '2099-01-01T00:00:00.000Z' })
    const redeemed = offerState({ expiresAt: '2025-06-01T00:00:00.000Z' })
    for (const o of [due, notDue, redeemed]) await ledger.record(o)
    await ledger.transition(OfferKind.offerState, redeemed.id, 'redeemed', { at: '2025-05-01T00:00:00.000Z' })
    const found: string[] = []
    for (let shard = 0; shard < ledger.shards; shard++) {
      const page = await ledger.dueForSweep(OfferKind.offerState, shard, '2025-12-31T00:00:00.000Z')
      found.push(...page.items.map((i) => i.id))
    }
    expect(found).toContain(due.id)
    expect(found).not.toContain(notDue.id)
    expect(found).not.toContain(redeemed.id)
  })
})

describe('Ledger.claim', () => {
  it('acquires once, is busy while held, and returns the stored result once done', async () => {
    const key = `claim#test-${nextId()}`
    const first = await ledger.claim(key, 'a', 60_000)
    expect(first).toEqual({ status: 'acquired', attempt: 1 })
    expect((await ledger.claim(key, 'b', 60_000)).status).toBe('busy')
    await ledger.completeClaim(key, 'a', { id: '1' })
    expect(await ledger.claim(key, 'c', 60_000)).toEqual({ status: 'done', result: { id: '1' } })
  })

  it('lets a retry take over an expired lease and tells it the previous attempt may have reached Sparkfly', async () => {
    const key = `claim#test-${nextId()}`
    const t0 = new Date('2026-01-01T00:00:00Z')
    await ledger.claim(key, 'crashed', 1_000, t0)
    const later = new Date(t0.getTime() + 2_000)
    const retry = await ledger.claim(key, 'retry', 1_000, later)
    expect(retry).toMatchObject({
      status: 'acquired',
      attempt: 2,
      previous: { state: 'pending', mayHaveReachedSparkfly: true },
    })
  })

  it('after a released failure that never reached Sparkfly, the retry acquires without a lookup hint', async () => {
    const key = `claim#test-${nextId()}`
    await ledger.claim(key, 'a', 60_000)
    await ledger.releaseClaim(key, 'a', false)
    expect(await ledger.claim(key, 'b', 60_000)).toMatchObject({
      status: 'acquired',
      attempt: 2,
      previous: { state: 'failed', mayHaveReachedSparkfly: false },
    })
  })

  it('of 10 concurrent claimers exactly one acquires', async () => {
    const key = `claim#test-${nextId()}`
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => ledger.claim(key, `o${i}`, 60_000)),
    )
    expect(results.filter((r) => r.status === 'acquired')).toHaveLength(1)
  })
})

describe('Ledger claim history', () => {
  it('a holder that died after a release that never reached Sparkfly still makes the next attempt look up first', async () => {
    const key = `claim#test-${nextId()}`
    const t0 = new Date('2026-01-01T00:00:00Z')
    await ledger.claim(key, 'a', 1_000, t0)
    await ledger.releaseClaim(key, 'a', false, t0)
    await ledger.claim(key, 'b', 1_000, t0) // b dies while calling Sparkfly: nothing released
    const next = await ledger.claim(key, 'c', 1_000, new Date(t0.getTime() + 5_000))
    expect(next).toMatchObject({
      status: 'acquired',
      attempt: 3,
      previous: { state: 'pending', mayHaveReachedSparkfly: true },
    })
  })
})

describe('Ledger times', () => {
  it('stores times as UTC ISO strings so the sweep index sorts them correctly', async () => {
    const input = offerState({ expiresAt: '2026-03-01T00:30:00+01:00', issuedAt: '2026-01-01T00:00:00Z' })
    const { entry } = await ledger.record(input)
    expect(entry.expiresAt).toBe('2026-02-28T23:30:00.000Z')
    expect(entry.sweepAt).toBe('2026-02-28T23:30:00.000Z')
    expect(entry.issuedAt).toBe('2026-01-01T00:00:00.000Z')
  })
})
