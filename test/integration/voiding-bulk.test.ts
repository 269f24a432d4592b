import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { OfferCloudEvent } from '../../lib/events/outbound'
import { LedgerStatus, OfferKind } from '../../lib/ledger/types'
import { lambdaContext, sqsEvent, sqsRecord } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

let system: TestSystem
let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>

beforeAll(async () => {
  system = await startTestSystem()
  handler = (await import('../../functions/bulk-void')).handler as unknown as typeof handler
})
afterAll(() => system?.stop())
beforeEach(async () => {
  system.sandbox.admin.clearFaults()
  await system.drainQueue(system.aws.queues.voidRequestsDlq)
  await system.drainQueue(system.aws.queues.offerEvents)
})

const invoke = (records: SQSRecord[]) => handler(sqsEvent(records), lambdaContext())
const voidCounters = () => {
  const c = system.sandbox.admin.counters()
  return {
    offerStates: c['offerStates.void'] + c['offerStates.voidByMemberIdentifier'],
    credentials: c['credentials.void'],
  }
}

describe('bulk-void handler', () => {
  it('given good, duplicate, unknown, redeemed and malformed requests, voids each target once and parks the rest with reasons', async () => {
    // given
    const offerState = await system.issueOfferState()
    const credential = await system.issueCredential()
    const byCode = await system.issueOfferState()
    const redeemed = await system.issueOfferState()
    await system.client.offerStates.redeem(String(redeemed.memberId), redeemed.id)
    const requests = {
      offerState: {
        requestId: 'bulk-os',
        target: { offerStateId: offerState.id, memberId: offerState.memberId },
        reason: 'Fraud batch 7',
      },
      credential: {
        requestId: 'bulk-cred',
        target: { credentialId: Number(credential.id) },
        reason: 'Fraud batch 7',
      },
      byCode: { requestId: 'bulk-code', target: { code: byCode.code }, reason: 'Fraud batch 7' },
      redeemed: { requestId: 'bulk-redeemed', target: { code: redeemed.code }, reason: 'Fraud batch 7' },
      unknown: { requestId: 'bulk-unknown', target: { credentialId: '999999999' }, reason: 'Fraud batch 7' },
      // the same request delivered twice, and another request for a target of this batch
      sameRequestAgain: {
        requestId: 'bulk-os',
        target: { offerStateId: offerState.id, memberId: offerState.memberId },
        reason: 'Fraud batch 7',
      },
      sameTarget: {
        requestId: 'bulk-cred-2',
        target: { credentialId: credential.id },
        reason: 'Support ticket 12',
      },
    }
    const records = {
      ...(Object.fromEntries(
        Object.entries(requests).map(([name, body]) => [name, sqsRecord(body)]),
      ) as Record<keyof typeof requests, SQSRecord>),
      malformed: sqsRecord('{"requestId": "bulk-bad", "target": '),
      invalid: sqsRecord({ requestId: 'bulk-invalid', target: { credentialId: credential.id } }),
    }
    system.sandbox.admin.resetCounters()

    // when
    const response = await invoke(Object.values(records))

    // then nothing is retried: every record is either done or parked
    expect(response.batchItemFailures).toEqual([])
    // each target reached Sparkfly once; duplicates reached it not at all (the redeemed one was refused there)
    expect(voidCounters()).toEqual({ offerStates: 3, credentials: 1 })
    for (const entry of [offerState, byCode]) {
      expect(system.sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('voided')
      expect(await system.ledger.get(OfferKind.offerState, entry.id)).toMatchObject({
        status: LedgerStatus.voided,
        voidReason: 'Fraud batch 7',
      })
    }
    expect(await system.ledger.get(OfferKind.credential, credential.id)).toMatchObject({
      status: LedgerStatus.voided,
    })
    expect(await system.ledger.get(OfferKind.offerState, redeemed.id)).toMatchObject({
      status: LedgerStatus.issued,
    })

    // the parked ones carry their reason
    const parked = await system.drainQueue(system.aws.queues.voidRequestsDlq, { count: 4 })
    const reasons = Object.fromEntries(
      parked.map((m) => [m.attributes['source-message-id'], m.attributes['failure-reason']]),
    )
    expect(reasons).toEqual({
      [records.unknown.messageId]: 'unknown_target',
      [records.redeemed.messageId]: 'already_redeemed',
      [records.malformed.messageId]: 'malformed_json',
      [records.invalid.messageId]: 'invalid_request',
    })
    const invalid = parked.find((m) => m.attributes['failure-reason'] === 'invalid_request')
    expect(invalid?.attributes['failure-detail']).toContain('reason is required')

    // and one offer.voided per voided offer, naming the request
    const events = (await system.drainQueue(system.aws.queues.offerEvents)).map(
      (m) => JSON.parse(m.body) as OfferCloudEvent,
    )
    expect(events.every((e) => e.type === 'offer.voided')).toBe(true)
    expect(Object.fromEntries(events.map((e) => [e.data.offer.id, e.data.sourceId]))).toEqual({
      [offerState.id]: 'bulk-os',
      [credential.id]: expect.stringMatching(/^bulk-cred(-2)?$/),
      [byCode.id]: 'bulk-code',
    })
  })

  it('given Sparkfly answers 503 to one void, only that record is retried, and its redelivery voids it', async () => {
    // given
    const offerState = await system.issueOfferState()
    const credential = await system.issueCredential()
    const records = {
      offerState: sqsRecord({
        requestId: 'transient-os',
        target: { offerStateId: offerState.id, memberId: offerState.memberId },
        reason: 'r',
      }),
      credential: sqsRecord({
        requestId: 'transient-cred',
        target: { credentialId: credential.id },
        reason: 'r',
      }),
    }
    system.sandbox.admin.setFaults({ failNext: { status: 503, operation: 'offerStates.void' } })

    // when
    const first = await invoke(Object.values(records))

    // then
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records.offerState.messageId }])
    expect(await system.ledger.get(OfferKind.offerState, offerState.id)).toMatchObject({
      status: LedgerStatus.issued,
    })
    expect(await system.ledger.get(OfferKind.credential, credential.id)).toMatchObject({
      status: LedgerStatus.voided,
    })
    expect(await system.drainQueue(system.aws.queues.voidRequestsDlq)).toEqual([])

    // when SQS redelivers it
    const retried = {
      ...records.offerState,
      attributes: { ...records.offerState.attributes, ApproximateReceiveCount: '2' },
    }
    const second = await invoke([retried])

    // then
    expect(second.batchItemFailures).toEqual([])
    expect(system.sandbox.admin.getOfferState(Number(offerState.id))?.status).toBe('voided')
    expect(await system.ledger.get(OfferKind.offerState, offerState.id)).toMatchObject({
      status: LedgerStatus.voided,
      changedBy: 'bulk:transient-os',
    })
  })

  it('given a redelivery of a request that was already done, acknowledges it without calling Sparkfly', async () => {
    const credential = await system.issueCredential()
    const record = sqsRecord({
      requestId: 'redelivered',
      target: { credentialId: credential.id },
      reason: 'r',
    })
    expect((await invoke([record])).batchItemFailures).toEqual([])
    system.sandbox.admin.resetCounters()

    const again = await invoke([
      { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } },
    ])

    expect(again.batchItemFailures).toEqual([])
    expect(voidCounters()).toEqual({ offerStates: 0, credentials: 0 })
    expect(await system.drainQueue(system.aws.queues.voidRequestsDlq)).toEqual([])
  })
})
