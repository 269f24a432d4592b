import type { Context } from 'aws-lambda'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { appContext, resetAppContext } from '../../lib/app/context'
import { reconcileDepsFrom, reconcileOptionsFrom } from '../../lib/app/reconciliation'
import { dynamoDocumentClient } from '../../lib/aws/clients'
import { resetConfig } from '../../lib/config'
import type { OfferCloudEvent, OfferEventPublisher } from '../../lib/events/outbound'
import type { LedgerEntry } from '../../lib/ledger'
import { LedgerReconciliation, type ReconciledEntry } from '../../lib/ledger/reconciliation'
import { type ReconcileSummary, runReconciliation } from '../../lib/reconciliation'
import { lambdaContext } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

const T0 = '2026-03-01T00:00:00.000Z'
const MIN = 60_000
const HOUR = 60 * MIN
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

let system: TestSystem
let handler: (event: unknown, context: Context) => Promise<ReconcileSummary>
let reconciliation: LedgerReconciliation

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { now: T0, freezeClock: true } })
  process.env.RECONCILE_CHANNEL_ID = String(system.sandbox.fixtures.channelId)
  process.env.RECONCILE_WINDOW_MS = String(HOUR)
  resetConfig()
  resetAppContext()
  ;({ handler } = await import('../../functions/reconcile'))
  reconciliation = new LedgerReconciliation({
    tableName: system.aws.tables.ledger,
    client: dynamoDocumentClient(),
  })
})
afterAll(() => system?.stop())

/** Each test reads its own hour of sandbox time, so earlier tests' activity stays out of its windows. */
let hour = 0
beforeEach(async () => {
  hour += 2
  system.sandbox.admin.clock.set(at(hour * HOUR))
  await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 100 })
})
const range = () => ({ from: at(hour * HOUR - 30 * MIN), to: at(hour * HOUR + 90 * MIN) })

const reconcile = (input: Record<string, unknown> = {}) =>
  handler({ ...range(), ...input }, lambdaContext({ functionName: 'reconcile', timeoutMs: 120_000 }))

async function elsewhere(change: string, body: Record<string, unknown>): Promise<void> {
  const answer = await fetch(`${system.sandbox.origin}/_sandbox/elsewhere/${change}`, {
    method: 'POST',
    body: JSON.stringify(body),
  })
  expect(answer.status, await answer.clone().text()).toBe(201)
}
const offerEvents = async () =>
  (await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 300 })).map(
    (m) => JSON.parse(m.body) as OfferCloudEvent,
  )
const stored = (entry: LedgerEntry) => reconciliation.get(entry.kind, entry.id) as Promise<ReconciledEntry>
const tick = () => system.sandbox.admin.clock.advance(MIN)

describe('reconciliation (handler against the sandbox and local AWS)', () => {
  it('applies each change made elsewhere once, even when reported again in overlapping windows', async () => {
    const redeemed = await system.issueOfferState()
    const voided = await system.issueOfferState()
    const expired = await system.issueOfferState()
    const suspended = await system.issueOfferState()
    const credential = await system.issueCredential()
    tick()
    await elsewhere('redeem', { offerStateId: Number(redeemed.id) })
    await elsewhere('void', { offerStateId: Number(voided.id) })
    await elsewhere('expire', { offerStateId: Number(expired.id) })
    await elsewhere('suspend', { offerStateId: Number(suspended.id) })
    await elsewhere('redeem', { code: credential.code })
    tick()
    await elsewhere('unsuspend', { offerStateId: Number(suspended.id) })

    const first = await reconcile()
    expect(first).toMatchObject({ status: 'complete', dryRun: false })
    expect(first.applied).toMatchObject({ redeem: 2, void: 1, expire: 1, suspend: 1, unsuspend: 1 })
    expect(first.outcomes).toMatchObject({ explained: 5, drift: 0, duplicate: 0 })
    expect((await stored(redeemed)).status).toBe('redeemed')
    expect((await stored(voided)).status).toBe('voided')
    expect((await stored(expired)).status).toBe('expired')
    expect((await stored(credential)).status).toBe('redeemed')
    expect(await stored(suspended)).toMatchObject({ status: 'issued', suspended: false })
    const events = await offerEvents()
    expect(events.map((e) => `${e.type} ${e.subject} ${e.data.changedBy}`).sort()).toEqual(
      [
        `offer.expired ${expired.pk} sparkfly:expire`,
        `offer.redeemed ${credential.pk} sparkfly:redeem`,
        `offer.redeemed ${redeemed.pk} sparkfly:redeem`,
        `offer.voided ${voided.pk} sparkfly:void`,
      ].sort(),
    )

    // the same rows again: the whole range, and a window overlapping it
    const again = await reconcile()
    const overlap = await reconcile({ from: at(hour * HOUR - 10 * MIN), to: at(hour * HOUR + 5 * MIN) })
    for (const run of [again, overlap]) {
      expect(run.outcomes.applied + run.outcomes.drift + run.outcomes.foreign).toBe(0)
      expect(run.outcomes.duplicate).toBe(run.rows)
    }
    expect(again.rows).toBe(first.rows)
    expect(await offerEvents()).toEqual([])
    expect((await stored(redeemed)).updatedAt).toBe(at(hour * HOUR + MIN))
  })

  it('records offers this project did not issue as such, without announcing them', async () => {
    const member = system.sandbox.fixtures.members[1]!
    const issued = await system.client.offerStates.issue({
      campaign_id: system.sandbox.fixtures.campaigns.active.xid,
      member_id: member.id,
    })
    tick()
    await elsewhere('redeem', { offerStateId: issued.id })
    const run = await reconcile()
    // its issue is recorded (origin sparkfly); its redemption moves it forward, without an event
    expect(run.outcomes).toMatchObject({ foreign: 1, applied: 1 })
    const entry = await reconciliation.get('offerState', String(issued.id))
    expect(entry).toMatchObject({ origin: 'sparkfly', status: 'redeemed', memberId: String(member.id) })
    expect(entry?.sweepPk).toBeUndefined()
    expect(await offerEvents()).toEqual([])
  })

  it('reports drift it cannot explain once, and never overwrites the ledger', async () => {
    const entry = await system.issueOfferState()
    await system.ledger.transition(entry.kind, entry.id, 'voided', {
      at: at(hour * HOUR),
      changedBy: 'staff',
    })
    tick()
    await elsewhere('redeem', { offerStateId: Number(entry.id) })
    const run = await reconcile()
    expect(run.outcomes.drift).toBe(1)
    expect(await stored(entry)).toMatchObject({
      status: 'voided',
      lastDrift: expect.stringMatching(/^redeem:\d+$/),
    })
    expect((await reconcile()).outcomes.drift).toBe(0)
    expect(await offerEvents()).toEqual([])
  })

  it('a dry run classifies without writing, publishing or moving the checkpoint', async () => {
    const entry = await system.issueOfferState()
    tick()
    await elsewhere('void', { offerStateId: Number(entry.id) })
    const before = await reconciliation.readCheckpoint()
    const dry = await reconcile({ dryRun: true })
    expect(dry.actions).toContainEqual(expect.objectContaining({ kind: 'void', outcome: 'applied' }))
    expect((await stored(entry)).status).toBe('issued')
    expect(await reconciliation.readCheckpoint()).toEqual(before)
    expect(await offerEvents()).toEqual([])
  })

  it('a stream cut mid-row is read again in the same run, with no double effect', async () => {
    const first = await system.issueOfferState()
    const second = await system.issueOfferState()
    tick()
    await elsewhere('redeem', { offerStateId: Number(first.id) })
    await elsewhere('void', { offerStateId: Number(second.id) })
    // the report's row order: issue, issue, redeem, void: cut inside the void (row 4)
    await fetch(`${system.sandbox.origin}/_sandbox/activity/truncate`, {
      method: 'POST',
      body: JSON.stringify({ afterRows: 3 }),
    })
    const run = await reconcile()
    expect(run).toMatchObject({ status: 'complete', truncations: 1 })
    expect(run.applied).toMatchObject({ redeem: 1, void: 1 })
    expect((await offerEvents()).map((e) => e.type).sort()).toEqual(['offer.redeemed', 'offer.voided'])
  })

  it('a run that dies mid-window (after a ledger write, before its event) is resumed without double effects', async () => {
    const entries = [
      await system.issueOfferState(),
      await system.issueOfferState(),
      await system.issueOfferState(),
    ]
    tick()
    for (const entry of entries) await elsewhere('redeem', { offerStateId: Number(entry.id) })
    const app = appContext()
    const published: OfferCloudEvent[] = []
    let calls = 0
    const dying: OfferEventPublisher = {
      async publish(event) {
        calls += 1
        if (calls === 2) throw new Error('process killed')
        published.push(event)
      },
    }
    const invocation = {
      runId: 'crash',
      now: new Date(),
      dryRun: false,
      ...range(),
      remainingTimeMs: () => 60_000,
    }
    const options = { ...reconcileOptionsFrom(app.config, invocation), truncationRetries: 0 }
    const deps = reconcileDepsFrom(app, () => 60_000)
    await expect(runReconciliation(options, { ...deps, publisher: dying })).rejects.toThrow('process killed')
    expect(published).toHaveLength(1)

    const resumed = await runReconciliation(
      { ...options, runId: 'resume' },
      { ...deps, publisher: { publish: async (e) => void published.push(e) } },
    )
    expect(resumed.status).toBe('complete')
    expect(published.map((e) => e.id).sort()).toEqual(entries.map((e) => `offer.redeemed:${e.pk}`).sort())
    for (const entry of entries) expect((await stored(entry)).status).toBe('redeemed')
  })

  it('one run at a time: a second run finds the lease held and does nothing', async () => {
    const lease = await system.ledger.claim('lease#reconcile', 'someone-else', 60_000)
    expect(lease.status).toBe('acquired')
    try {
      expect((await reconcile()).status).toBe('busy')
    } finally {
      await system.ledger.releaseClaim('lease#reconcile', 'someone-else', false)
    }
  })
})

describe('the sandbox report (documented parameters and limits)', () => {
  async function report(query: Record<string, string>) {
    const auth = await fetch(`${system.sandbox.url}/auth`, {
      method: 'POST',
      headers: {
        'X-Auth-Identity': system.sandbox.account.identity,
        'X-Auth-Key': system.sandbox.account.key,
      },
    })
    const token = auth.headers.get('x-auth-token') ?? ''
    return fetch(`${system.sandbox.url}/reports/offer_activity?${new URLSearchParams(query)}`, {
      headers: { 'X-Auth-Token': token },
    })
  }
  const day = { from_reported_datetime: at(0), to_reported_datetime: at(24 * HOUR) }

  it('answers 400 without a channel, without dates, or for a window over one day', async () => {
    expect((await report(day)).status).toBe(400)
    const channel = { channel_id: String(system.sandbox.fixtures.channelId) }
    expect((await report(channel)).status).toBe(400)
    expect((await report({ ...channel, ...day, to_reported_datetime: at(24 * HOUR + 1000) })).status).toBe(
      400,
    )
    const ok = await report({ ...channel, ...day, type: 'issue' })
    expect(ok.status).toBe(200)
    const rows = (await ok.json()) as Array<{ type: string }>
    expect(rows.length).toBeGreaterThan(0)
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(['issue']))
  })
})
