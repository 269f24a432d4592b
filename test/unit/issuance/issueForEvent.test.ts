import { describe, expect, it } from 'vitest'
import { PermanentError } from '../../../lib/errors'
import type { LoyaltyEvent } from '../../../lib/events/inbound'
import type { OfferCloudEvent } from '../../../lib/events/outbound'
import {
  externalRefId,
  ISSUANCE_CLAIM_LIMITS,
  type IssuanceDeps,
  issueForEvent,
  parseRules,
} from '../../../lib/issuance'
import type { ClaimResult } from '../../../lib/ledger/Ledger'
import type { LedgerEntry, NewLedgerEntry } from '../../../lib/ledger/types'
import {
  SparkflyRateLimitError,
  SparkflyServerError,
  SparkflyValidationError,
} from '../../../lib/sparkfly/errors'
import { FakeOffers, serverError } from '../../support/fakeOffers'

const NOW = new Date('2026-03-01T00:00:00.000Z')
const rules = parseRules({
  version: 'test',
  rules: [
    {
      id: 'tier-reward',
      eventType: 'loyalty.tier.upgraded',
      issue: { kind: 'offerState', campaignId: 'abc', window: { validForDays: 30 } },
    },
    {
      id: 'welcome-credential',
      eventType: 'loyalty.member.joined',
      issue: { kind: 'credential', offerId: 7, channelId: 3 },
    },
  ],
})
const event: LoyaltyEvent = {
  id: 'evt-1',
  source: 'urn:loyalty:test',
  type: 'loyalty.tier.upgraded',
  envelope: 'cloudevents',
  member: { id: '42' },
  data: {},
}

type Previous = { attempt: number; mayHaveReachedSparkfly?: boolean; state?: string }

/** The claim side of the ledger: one claim, whose previous attempt is described by `previous`. */
function fakeLedger(claimed: Previous | { done: { kind: 'offerState'; id: string } } = { attempt: 1 }) {
  const released: boolean[] = []
  const recorded: NewLedgerEntry[] = []
  const completed: unknown[] = []
  const ledger: IssuanceDeps['ledger'] = {
    claim: async <T>(): Promise<ClaimResult<T>> => {
      if ('done' in claimed) return { status: 'done', result: claimed.done as T }
      return {
        status: 'acquired',
        attempt: claimed.attempt,
        ...(claimed.attempt > 1 ? { previous: { state: claimed.state ?? 'failed', ...claimed } } : {}),
      }
    },
    record: async (entry: NewLedgerEntry) => {
      recorded.push(entry)
      const stored: LedgerEntry = {
        ...entry,
        pk: `os#${entry.id}`,
        status: 'issued',
        updatedAt: entry.issuedAt,
      }
      return { entry: stored, created: true }
    },
    completeClaim: async (_key: string, _owner: string, result: unknown) => {
      completed.push(result)
    },
    releaseClaim: async (_key: string, _owner: string, reached: boolean) => {
      released.push(reached)
    },
  }
  return { ledger, released, recorded, completed }
}

function deps(ledger: IssuanceDeps['ledger'], offers: FakeOffers, leaseMs = 35_000) {
  const published: OfferCloudEvent[] = []
  const built: IssuanceDeps = {
    offers,
    ledger,
    publisher: { publish: async (e) => void published.push(e) },
    rules,
    eventSource: 'urn:test',
    owner: 'req-1:msg-1',
    leaseMs,
    now: () => NOW,
  }
  return { deps: built, published }
}

const operations = (offers: FakeOffers) => offers.calls.map((call) => call.operation)

describe('issueForEvent: Sparkfly calls stay inside the claim', () => {
  it('bounds every Sparkfly call so it is over before the claim lease ends, with the safety margin', async () => {
    const { ledger } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const offers = new FakeOffers(() => NOW)

    await issueForEvent(event, deps(ledger, offers, 35_000).deps, NOW)

    expect(operations(offers)).toEqual(['findByExternalRef', 'issue'])
    for (const call of offers.calls) {
      expect(call.options?.signal).toBeInstanceOf(AbortSignal)
      expect(call.options?.totalTimeoutMs).toBe(35_000 - ISSUANCE_CLAIM_LIMITS.leaseSafetyMs)
    }
  })

  it('calls nothing when the lease is too short, and keeps "an earlier attempt may have issued" for the next one', async () => {
    const { ledger, released } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const offers = new FakeOffers(() => NOW)

    await expect(
      issueForEvent(event, deps(ledger, offers, ISSUANCE_CLAIM_LIMITS.leaseSafetyMs + 100).deps, NOW),
    ).rejects.toThrow(/Not enough time left/)

    expect(offers.calls).toEqual([])
    expect(released).toEqual([true])
  })

  it('keeps "an earlier attempt may have issued" when the look-up itself fails', async () => {
    const { ledger, released } = fakeLedger({ attempt: 3, state: 'pending' })
    const offers = new FakeOffers(() => NOW).fail('findByExternalRef', { error: serverError('Sparkfly 500') })

    await expect(issueForEvent(event, deps(ledger, offers).deps, NOW)).rejects.toThrow('Sparkfly 500')

    expect(released).toEqual([true])
  })

  it('records that an issue abandoned by its deadline may have reached Sparkfly', async () => {
    const { ledger, released } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    })

    await expect(issueForEvent(event, deps(ledger, offers).deps, NOW)).rejects.toThrow(/timeout/)

    expect(released).toEqual([true])
  })

  it('lets the next attempt issue without looking when this one looked up and Sparkfly refused the issue with 429', async () => {
    const { ledger, released } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new SparkflyRateLimitError('throttled', { status: 429 }),
    })

    await expect(issueForEvent(event, deps(ledger, offers).deps, NOW)).rejects.toThrow('throttled')

    expect(operations(offers)).toEqual(['findByExternalRef', 'issue'])
    expect(released).toEqual([false])
  })
})

describe('issueForEvent: what a failed issue tells the next attempt (callFailure)', () => {
  it('counts a 503 as possibly applied: the next attempt looks up before issuing', async () => {
    const { ledger, released } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new SparkflyServerError('Sparkfly answered 503', { status: 503 }),
    })

    await expect(issueForEvent(event, deps(ledger, offers).deps, NOW)).rejects.toThrow('503')

    expect(released).toEqual([true])
  })

  it('counts a refusal of the request (422) as not applied: the next attempt may issue without looking', async () => {
    const { ledger, released } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new SparkflyValidationError('campaign suspended', { status: 422 }),
    })

    await expect(issueForEvent(event, deps(ledger, offers).deps, NOW)).rejects.toThrow('suspended')

    expect(released).toEqual([false])
  })

  it('counts a failure that is not Sparkfly’s answer (a bug, an unknown error) as possibly applied', async () => {
    const { ledger, released } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', { error: new TypeError('fetch failed') })

    await expect(issueForEvent(event, deps(ledger, offers).deps, NOW)).rejects.toThrow('fetch failed')

    expect(released).toEqual([true])
  })
})

describe('issueForEvent: outcomes', () => {
  it('issues an offer state for the member within the rule’s window, records it, publishes offer.issued and completes the claim', async () => {
    const { ledger, recorded, completed } = fakeLedger()
    const offers = new FakeOffers(() => NOW)
    const { deps: built, published } = deps(ledger, offers)

    const outcomes = await issueForEvent(event, built, NOW)

    const ref = externalRefId(event, { id: 'tier-reward' })
    expect(offers.callsOf('issue')[0]?.args).toEqual([
      {
        kind: 'offerState',
        campaignId: 'abc',
        externalRefId: ref,
        memberId: '42',
        activatesAt: NOW.toISOString(),
        expiresAt: '2026-03-31T00:00:00.000Z',
      },
    ])
    const [issued] = offers.all()
    expect(outcomes).toEqual([
      {
        ruleId: 'tier-reward',
        status: 'issued',
        offer: { kind: 'offerState', id: issued?.id, code: issued?.code },
      },
    ])
    expect(recorded).toEqual([
      expect.objectContaining({
        kind: 'offerState',
        id: issued?.id,
        code: issued?.code,
        sourceId: 'evt-1',
        ruleId: 'tier-reward',
        externalRefId: ref,
        memberId: '42',
        campaignId: 'abc',
        activatesAt: NOW.toISOString(),
        expiresAt: '2026-03-31T00:00:00.000Z',
      }),
    ])
    expect(published.map((e) => e.type)).toEqual(['offer.issued'])
    expect(completed).toEqual([outcomes[0]?.offer])
  })

  it('recovers the offer an earlier attempt issued, found by its external reference, without issuing again', async () => {
    const { ledger } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const offers = new FakeOffers(() => NOW)
    const earlier = offers.seed({
      kind: 'offerState',
      memberId: '42',
      externalRefId: externalRefId(event, { id: 'tier-reward' }),
    })

    const outcomes = await issueForEvent(event, deps(ledger, offers).deps, NOW)

    expect(operations(offers)).toEqual(['findByExternalRef'])
    expect(outcomes).toEqual([
      {
        ruleId: 'tier-reward',
        status: 'recovered',
        offer: { kind: 'offerState', id: earlier.id, code: earlier.code },
      },
    ])
  })

  it('issues without looking when the previous attempt recorded that it never reached Sparkfly', async () => {
    const { ledger } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: false })
    const offers = new FakeOffers(() => NOW)

    await issueForEvent(event, deps(ledger, offers).deps, NOW)

    expect(operations(offers)).toEqual(['issue'])
  })

  it('answers a duplicate from the completed claim, with no Sparkfly call', async () => {
    const { ledger } = fakeLedger({ done: { kind: 'offerState', id: '1001' } })
    const offers = new FakeOffers(() => NOW)

    const outcomes = await issueForEvent(event, deps(ledger, offers).deps, NOW)

    expect(outcomes).toEqual([
      { ruleId: 'tier-reward', status: 'duplicate', offer: { kind: 'offerState', id: '1001' } },
    ])
    expect(offers.calls).toEqual([])
  })

  it('creates a credential of the rule’s offer on its channel, and refuses one for a member known only by identifier', async () => {
    const joined: LoyaltyEvent = { ...event, id: 'evt-2', type: 'loyalty.member.joined' }
    const offers = new FakeOffers(() => NOW)

    await issueForEvent(joined, deps(fakeLedger().ledger, offers).deps, NOW)

    expect(offers.callsOf('issue')[0]?.args).toEqual([
      {
        kind: 'credential',
        memberId: '42',
        offerId: '7',
        channelId: '3',
        externalRefId: externalRefId(joined, { id: 'welcome-credential' }),
      },
    ])
    const anonymous = { ...joined, member: { identifier: 'card-9' } }
    const refused = issueForEvent(anonymous, deps(fakeLedger().ledger, offers).deps, NOW)
    await expect(refused).rejects.toBeInstanceOf(PermanentError)
    await expect(refused).rejects.toMatchObject({ reason: 'member_id_required' })
  })

  it('matches no rule: returns no outcome and calls nothing', async () => {
    const offers = new FakeOffers(() => NOW)

    const outcomes = await issueForEvent(
      { ...event, type: 'loyalty.points.earned' },
      deps(fakeLedger().ledger, offers).deps,
      NOW,
    )

    expect(outcomes).toEqual([])
    expect(offers.calls).toEqual([])
  })
})
