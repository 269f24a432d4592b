import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { ISSUANCE_DEADLINES } from '../../lib/edge/issuance'
import { externalRefId, ISSUANCE_CLAIM_LIMITS } from '../../lib/issuance'
import { cloudEvent, lambdaContext, sqsEvent, sqsRecord } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

// Lost answers at issuance (issue 13, items 2-5), each through the real handler against the sandbox and local AWS.
// The per-request timeout is longer than the invocations here, so the invocation's deadline is what bounds a call.
const RULE = 'birthday-treat'
const ISSUE = 'offerStates.issue'

let system: TestSystem
let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>

beforeAll(async () => {
  system = await startTestSystem({ env: { SPARKFLY_TIMEOUT_MS: '10000' } })
  system.sandbox.admin.createCampaign({ xid: 'local-birthday-treat' })
  handler = (await import('../../functions/issue-offers')).handler as unknown as typeof handler
})
afterAll(() => system?.stop())
afterEach(async () => {
  vi.useRealTimers()
  system.sandbox.admin.clearFaults()
  system.sandbox.admin.setLatency({})
  await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 200 })
})

let memberIndex = 0
/** A birthday event of a member no other test uses, its SQS record and a count of its offers at Sparkfly. */
function birthday() {
  const member = system.sandbox.fixtures.members[memberIndex++]!
  const event = cloudEvent({ type: 'loyalty.member.birthday', member: { id: member.id } })
  const ref = externalRefId(event, { id: RULE })
  const offers = () => system.sandbox.admin.offerStates().filter((o) => o.external_ref_id === ref).length
  return { record: sqsRecord(event), offers }
}

const invoke = (record: ReturnType<typeof sqsRecord>, timeoutMs = 30_000) =>
  handler(sqsEvent([record]), lambdaContext({ timeoutMs }))

/** Moves the process's clock past the safety window of a released claim (timers stay real). */
function afterSafetyWindow(): void {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(Date.now() + ISSUANCE_CLAIM_LIMITS.leaseSafetyMs + 1_000)
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50))
  if (!condition()) throw new Error(`Timed out waiting for ${what}`)
}

describe('issuance when answers get lost', () => {
  it('released-claim duplicate: a copy delivered 50 ms after a call abandoned at its deadline issues nothing more -> 1 offer', async () => {
    const { record, offers } = birthday()
    // Sparkfly applies the issue 7 s after receiving it; the first invocation (5.5 s) gives up before that.
    system.sandbox.admin.setLatency({ perOperation: { [ISSUE]: { fixedMs: 7_000 } } })
    const first = await invoke(record, ISSUANCE_DEADLINES.marginMs + ISSUANCE_DEADLINES.minStartMs + 500)
    expect(first.batchItemFailures).toHaveLength(1)
    expect(offers()).toBe(0)

    await new Promise((r) => setTimeout(r, 50))
    const duplicate = await invoke(sqsRecord(JSON.parse(record.body)))
    expect(duplicate.batchItemFailures).toHaveLength(1) // the claim is still closed: SQS brings it back later

    await until(() => offers() === 1, 'the abandoned issue to land')
    system.sandbox.admin.setLatency({})
    afterSafetyWindow()
    expect((await invoke(record)).batchItemFailures).toEqual([])
    expect(offers()).toBe(1)
  })

  it('reset on issue: the connection drops after Sparkfly applied the issue; the redelivery looks up -> 1 offer', async () => {
    const { record, offers } = birthday()
    system.sandbox.admin.setFaults({ failNext: { status: 'apply-then-reset', operation: ISSUE } })
    system.sandbox.admin.resetCounters()

    expect((await invoke(record)).batchItemFailures).toHaveLength(1)
    expect(system.sandbox.admin.counters()[ISSUE]).toBe(1) // never replayed blindly
    afterSafetyWindow()
    expect((await invoke(record)).batchItemFailures).toEqual([])

    expect(offers()).toBe(1)
    expect(system.sandbox.admin.counters()[ISSUE]).toBe(1)
    expect(system.sandbox.admin.counters()['offerStates.query']).toBe(1)
  })

  it('503 after apply: a load balancer answers 503 after Sparkfly acted; the redelivery looks up -> 1 offer', async () => {
    const { record, offers } = birthday()
    system.sandbox.admin.setFaults({ failNext: { status: 'apply-then-503', operation: ISSUE } })
    system.sandbox.admin.resetCounters()

    expect((await invoke(record)).batchItemFailures).toHaveLength(1)
    afterSafetyWindow()
    expect((await invoke(record)).batchItemFailures).toEqual([])

    expect(offers()).toBe(1)
    expect(system.sandbox.admin.counters()[ISSUE]).toBe(1)
    expect(system.sandbox.admin.counters()['offerStates.query']).toBe(1)
  })

  it('slow call near the deadline: the invocation answers before its deadline, the record left to SQS', async () => {
    const { record } = birthday()
    system.sandbox.admin.setLatency({ perOperation: { [ISSUE]: { fixedMs: 8_000 } } })
    const context = lambdaContext({ timeoutMs: 5_000 })

    const result = await handler(sqsEvent([record]), context)

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }])
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0)
  })

  it('parks a record once: when its batch comes back (e.g. after an invocation timeout) it is acknowledged, not parked again', async () => {
    const record = sqsRecord(cloudEvent({ type: 'loyalty.member.birthday', member: { id: 987654321 } }))

    expect((await invoke(record)).batchItemFailures).toEqual([])
    const again = { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }
    expect((await invoke(again)).batchItemFailures).toEqual([])

    const parked = await system.drainQueue(system.aws.queues.loyaltyEventsDlq, { waitMs: 500 })
    expect(parked.map((m) => m.attributes['failure-reason'])).toEqual(['sparkfly_404'])
  })
})
