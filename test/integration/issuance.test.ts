import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { resetAppContext } from '../../lib/app/context'
import { resetConfig } from '../../lib/config'
import { parseLoyaltyEvent } from '../../lib/events/inbound'
import { externalRefId, ISSUANCE_CLAIM_LIMITS, issueForEvent, loadRules } from '../../lib/issuance'
import type { Ledger } from '../../lib/ledger/Ledger'
import { sparkflyOffers } from '../../lib/offers'
import { cloudEvent, eventBridgeEvent, lambdaContext, sqsEvent, sqsRecord } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

const LOCAL_CAMPAIGNS = ['local-tier-reward', 'local-free-coffee', 'local-birthday-treat']
const TIER_RULES = ['tier-upgrade-reward', 'tier-upgrade-free-coffee']

let system: TestSystem
let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>

beforeAll(async () => {
  system = await startTestSystem()
  for (const xid of LOCAL_CAMPAIGNS) system.sandbox.admin.createCampaign({ xid })
  handler = (await import('../../functions/issue-offers')).handler as unknown as typeof handler
})
afterAll(() => system?.stop())

const invoke = (records: ReturnType<typeof sqsRecord>[]) => handler(sqsEvent(records), lambdaContext())
const offerStatesWithRef = (ref: string) =>
  system.sandbox.admin.offerStates().filter((o) => o.external_ref_id === ref)
/** Moves the process's clock past the safety window of a released claim (timers stay real). */
function afterSafetyWindow(): void {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true })
  vi.setSystemTime(Date.now() + ISSUANCE_CLAIM_LIMITS.leaseSafetyMs + 1_000)
}
afterEach(() => vi.useRealTimers())

const member = (i: number) => system.sandbox.fixtures.members[i]!

describe('issue-offers handler', () => {
  it('given a mixed batch, issues each (event, rule) once, parks permanent failures and retries only the busy duplicate', async () => {
    // given
    const upgraded = cloudEvent({ type: 'loyalty.tier.upgraded', member: { id: member(0).id } })
    const birthday = eventBridgeEvent({
      detailType: 'loyalty.member.birthday',
      member: { identifier: member(1).identifier },
    })
    const records = {
      upgraded: sqsRecord(upgraded),
      upgradedAgain: sqsRecord(upgraded),
      birthday: sqsRecord(birthday),
      malformed: sqsRecord('{"specversion":'),
      unknownMember: sqsRecord(cloudEvent({ member: { id: 987654321 } })),
      unknownType: sqsRecord(cloudEvent({ type: 'loyalty.points.earned', member: { id: member(2).id } })),
    }
    system.sandbox.admin.resetCounters()

    // when
    const first = await invoke(Object.values(records))

    // then: only one of the two copies of the same event is retried (the other was issuing it at that moment)
    const failed = first.batchItemFailures.map((f) => f.itemIdentifier)
    expect(failed).toHaveLength(1)
    expect([records.upgraded.messageId, records.upgradedAgain.messageId]).toContain(failed[0])

    // when SQS redelivers it
    const retried = Object.values(records).find((r) => r.messageId === failed[0])!
    const second = await invoke([
      { ...retried, attributes: { ...retried.attributes, ApproximateReceiveCount: '2' } },
    ])
    expect(second.batchItemFailures).toEqual([])

    // then Sparkfly holds exactly one offer state per (event, rule)
    for (const rule of TIER_RULES)
      expect(offerStatesWithRef(externalRefId(upgraded, { id: rule }))).toHaveLength(1)
    expect(offerStatesWithRef(externalRefId(birthday, { id: 'birthday-treat' }))).toHaveLength(1)
    expect(system.sandbox.admin.counters()['offerStates.issue']).toBe(3 + 1) // 3 issued + the unknown member's refusal

    // and the ledger holds them with their codes, members and windows
    const issued = offerStatesWithRef(externalRefId(upgraded, { id: TIER_RULES[0]! }))[0]!
    const entry = await system.ledger.findByCode(String(issued.credential_identifier))
    expect(entry).toMatchObject({
      kind: 'offerState',
      id: String(issued.offer_state_id),
      status: 'issued',
      memberId: String(member(0).id),
      campaignId: 'local-tier-reward',
      sourceId: upgraded.id,
      ruleId: TIER_RULES[0],
    })
    expect(Date.parse(entry!.expiresAt!) - Date.parse(entry!.activatesAt!)).toBe(30 * 86_400_000)

    // and one offer.issued event per offer went out
    const published = await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 500 })
    const events = published.map((m) => JSON.parse(m.body))
    expect(events.map((e) => e.type)).toEqual(['offer.issued', 'offer.issued', 'offer.issued'])
    expect(new Set(events.map((e) => e.id)).size).toBe(3)
    expect(events.find((e) => e.data.offer.id === String(issued.offer_state_id))).toMatchObject({
      specversion: '1.0',
      source: 'urn:sparkfly-offer-lifecycle:test',
      data: { member: { id: String(member(0).id) }, campaignId: 'local-tier-reward', sourceId: upgraded.id },
    })

    // and the permanent failures wait on the DLQ with their reasons and original bodies
    const parked = await system.drainQueue(system.aws.queues.loyaltyEventsDlq, { waitMs: 500 })
    const reasons = Object.fromEntries(parked.map((m) => [m.attributes['failure-reason'], m.body]))
    expect(Object.keys(reasons).sort()).toEqual(['malformed_json', 'sparkfly_404'])
    expect(reasons.malformed_json).toBe(records.malformed.body)
    expect(reasons.sparkfly_404).toBe(records.unknownMember.body)
  })

  it('parks an event whose campaign is suspended and acknowledges it', async () => {
    system.sandbox.admin.setCampaignStatus('local-birthday-treat', 'suspended')
    try {
      const event = cloudEvent({ type: 'loyalty.member.birthday', member: { id: member(3).id } })
      const result = await invoke([sqsRecord(event)])
      expect(result.batchItemFailures).toEqual([])
      const parked = await system.drainQueue(system.aws.queues.loyaltyEventsDlq, { waitMs: 500 })
      expect(parked.map((m) => m.attributes['failure-reason'])).toEqual(['sparkfly_422'])
      expect(parked[0]!.attributes['failure-detail']).toMatch(/suspended/i)
    } finally {
      system.sandbox.admin.setCampaignStatus('local-birthday-treat', 'active')
    }
  })

  it('retries a record when Sparkfly is unavailable, then looks it up (a 503 may have been applied) and issues it once', async () => {
    const event = cloudEvent({ type: 'loyalty.member.birthday', member: { id: member(4).id } })
    const record = sqsRecord(event)
    system.sandbox.admin.setFaults({ failNext: { status: 503, count: 10, operation: 'offerStates.issue' } })
    const failed = await invoke([record])
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }])
    system.sandbox.admin.clearFaults()
    system.sandbox.admin.resetCounters()
    afterSafetyWindow() // the 503 may have been applied: the claim stays closed meanwhile
    const retried = await invoke([record])
    expect(retried.batchItemFailures).toEqual([])
    expect(offerStatesWithRef(externalRefId(event, { id: 'birthday-treat' }))).toHaveLength(1)
    // a 503 counts as possibly applied: the redelivery looks the offer up by external_ref_id before issuing
    expect(system.sandbox.admin.counters()['offerStates.query']).toBe(1)
    expect(system.sandbox.admin.counters()['offerStates.issue']).toBe(1)
    await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 200 })
  })

  it('given the same event delivered to two invocations at once, issues once', async () => {
    const event = cloudEvent({ type: 'loyalty.tier.upgraded', member: { id: member(2).id } })
    system.sandbox.admin.setLatency({ fixedMs: 100 })
    system.sandbox.admin.resetCounters()
    try {
      const [a, b] = await Promise.all([invoke([sqsRecord(event)]), invoke([sqsRecord(event)])])
      const retries = [...a.batchItemFailures, ...b.batchItemFailures]
      expect(retries.length).toBeLessThanOrEqual(1)
    } finally {
      system.sandbox.admin.setLatency({})
    }
    // a later redelivery of either copy issues nothing more
    expect((await invoke([sqsRecord(event)])).batchItemFailures).toEqual([])
    for (const rule of TIER_RULES)
      expect(offerStatesWithRef(externalRefId(event, { id: rule }))).toHaveLength(1)
    expect(system.sandbox.admin.counters()['offerStates.issue']).toBe(2)
    await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 200 })
  })

  it('given a failure after Sparkfly accepted the offer, the redelivery finishes from the settled claim without calling Sparkfly', async () => {
    const event = cloudEvent({ type: 'loyalty.member.birthday', member: { id: member(0).id } })
    const record = sqsRecord(event)
    const topicArn = process.env.OFFER_EVENTS_TOPIC_ARN!
    system.sandbox.admin.resetCounters()

    // when publishing the event fails (the topic is unreachable) after Sparkfly issued the offer
    process.env.OFFER_EVENTS_TOPIC_ARN = `${topicArn}-missing`
    resetConfig()
    resetAppContext()
    const failed = await invoke([record])
    process.env.OFFER_EVENTS_TOPIC_ARN = topicArn
    resetConfig()
    resetAppContext()
    expect(failed.batchItemFailures).toHaveLength(1)
    expect(system.sandbox.admin.counters()['offerStates.issue']).toBe(1)

    // then the redelivery finds the claim settled with the offer's entry: no second issue, not even a look-up,
    // and publishes the event
    expect((await invoke([record])).batchItemFailures).toEqual([])
    expect(system.sandbox.admin.counters()['offerStates.issue']).toBe(1)
    expect(system.sandbox.admin.counters()['offerStates.query'] ?? 0).toBe(0)
    const published = await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 500 })
    expect(published.map((m) => JSON.parse(m.body).data.sourceId)).toEqual([event.id])
  })
})

describe('issueForEvent crash recovery', () => {
  it('given a process that died after Sparkfly accepted (claim left pending), the redelivery after the lease recovers without issuing again', async () => {
    const rules = loadRules('local')
    const offers = sparkflyOffers(system.client)
    const published: string[] = []
    const publisher = { publish: async (e: { type: string }) => void published.push(e.type) }
    const event = parseLoyaltyEvent(
      JSON.stringify(cloudEvent({ type: 'loyalty.member.birthday', member: { id: member(1).id } })),
    )
    const crash = new Error('process killed')
    // Claims and a ledger whose writes after Sparkfly's answer never happen: the process is gone, nothing released.
    const claims = system.ledger.issuanceClaims
    const dyingClaims = Object.create(claims) as typeof claims
    dyingClaims.settle = async () => {
      throw crash
    }
    dyingClaims.release = async () => undefined
    const dyingLedger = Object.create(system.ledger) as Ledger
    dyingLedger.record = async () => {
      throw crash
    }
    system.sandbox.admin.resetCounters()
    const t0 = new Date()
    const deps = {
      offers,
      rules,
      publisher,
      eventSource: 'urn:test',
      callDeadline: new Date(t0.getTime() + 56_000),
    }

    await expect(
      issueForEvent(event, {
        ...deps,
        ledger: dyingLedger,
        claims: dyingClaims,
        owner: 'a',
        now: () => t0,
      }),
    ).rejects.toBe(crash)
    expect(system.sandbox.admin.counters()['offerStates.issue']).toBe(1)
    published.length = 0 // the dying attempt's publish beside its writes is as lost as they are

    // a redelivery while the dead attempt's lease still runs is told to come back later
    await expect(
      issueForEvent(event, {
        ...deps,
        ledger: system.ledger,
        claims,
        owner: 'b',
        now: () => new Date(t0.getTime() + 1_000),
      }),
    ).rejects.toThrow(/in progress/)

    // once the lease has expired, the redelivery recovers the offer Sparkfly already issued
    const later = () => new Date(t0.getTime() + 61_000)
    const outcomes = await issueForEvent(event, {
      ...deps,
      ledger: system.ledger,
      claims,
      owner: 'c',
      now: later,
      callDeadline: new Date(later().getTime() + 30_000),
    })
    expect(outcomes).toMatchObject([{ ruleId: 'birthday-treat', status: 'recovered' }])
    expect(system.sandbox.admin.counters()['offerStates.issue']).toBe(1)
    expect(await system.ledger.get('offerState', outcomes[0]!.offer.id)).toMatchObject({
      status: 'issued',
      sourceId: event.id,
    })
    expect(published).toEqual(['offer.issued'])

    // and any later duplicate is answered from the completed claim with no Sparkfly call at all
    system.sandbox.admin.resetCounters()
    const again = await issueForEvent(event, {
      ...deps,
      ledger: system.ledger,
      claims,
      owner: 'd',
      now: later,
      callDeadline: new Date(later().getTime() + 30_000),
    })
    expect(again).toMatchObject([{ status: 'duplicate', offer: outcomes[0]!.offer }])
    expect(Object.values(system.sandbox.admin.counters()).reduce((a, b) => a + b, 0)).toBe(0)
  })

  it('given a process that died after settling the claim but before the ledger entry and offer.issued went out, the redelivery of that message writes both, once', async () => {
    const rules = loadRules('local')
    const offers = sparkflyOffers(system.client)
    const published: string[] = []
    const publisher = { publish: async (e: { id: string }) => void published.push(e.id) }
    const event = parseLoyaltyEvent(
      JSON.stringify(cloudEvent({ type: 'loyalty.member.birthday', member: { id: member(2).id } })),
    )
    const crash = new Error('process killed')
    // The settle lands; the record and the publish sent beside it never do.
    const dyingLedger = Object.create(system.ledger) as Ledger
    dyingLedger.record = async () => {
      throw crash
    }
    const claims = system.ledger.issuanceClaims
    const base = { offers, rules, eventSource: 'urn:test', claims, deliveryId: 'message-1' }
    const callDeadline = () => new Date(Date.now() + 20_000)
    const dying = { ...base, ledger: dyingLedger, owner: 'a', callDeadline: callDeadline() }
    await expect(
      issueForEvent(event, { ...dying, publisher: { publish: () => Promise.reject(crash) } }),
    ).rejects.toBe(crash)
    system.sandbox.admin.resetCounters()

    const redelivered = {
      ...base,
      ledger: system.ledger,
      publisher,
      owner: 'b',
      callDeadline: callDeadline(),
    }
    const [outcome] = await issueForEvent(event, redelivered)

    expect(outcome).toMatchObject({ status: 'duplicate' })
    expect(await system.ledger.get('offerState', outcome!.offer.id)).toMatchObject({ sourceId: event.id })
    expect(published).toEqual([`offer.issued:os#${outcome!.offer.id}`])
    expect(Object.values(system.sandbox.admin.counters()).reduce((a, b) => a + b, 0)).toBe(0)
    // a later redelivery finds the claim marked: nothing is published again
    await issueForEvent(event, { ...redelivered, owner: 'c' })
    expect(published).toHaveLength(1)
  })
})
