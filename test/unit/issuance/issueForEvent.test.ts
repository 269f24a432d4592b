import { describe, expect, it, vi } from 'vitest'
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
import type { ClaimRelease, IssuanceClaim } from '../../../lib/ledger/claims'
import type { LedgerEntry, NewLedgerEntry } from '../../../lib/ledger/types'
import {
  SparkflyRateLimitError,
  SparkflyServerError,
  SparkflyValidationError,
} from '../../../lib/sparkfly/errors'
import { FakeOffers, serverError, timeoutError } from '../../support/fakeOffers'

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
type Done = {
  done: { kind: 'offerState'; id: string }
  entry?: LedgerEntry
  published?: boolean
  deliveryId?: string
}

/** The claim side of the ledger: one claim, whose previous attempt is described by `previous`. */
function fakeLedger(claimed: Previous | Done = { attempt: 1 }) {
  const released: boolean[] = []
  const releases: ClaimRelease[] = []
  const recorded: NewLedgerEntry[] = []
  const completed: unknown[] = []
  const settledEntries: LedgerEntry[] = []
  const marked: string[] = []
  const entryFor = (entry: NewLedgerEntry): LedgerEntry => ({
    ...entry,
    pk: `os#${entry.id}`,
    status: 'issued',
    updatedAt: entry.issuedAt,
  })
  const ledger: IssuanceDeps['ledger'] = {
    entryFor,
    record: async (entry: NewLedgerEntry) => {
      recorded.push(entry)
      return { entry: entryFor(entry), created: true }
    },
  }
  const claims: IssuanceDeps['claims'] = {
    take: async <T>(): Promise<IssuanceClaim<T>> => {
      if ('done' in claimed) {
        return {
          status: 'done',
          result: claimed.done as T,
          ...(claimed.entry ? { entry: claimed.entry } : {}),
          published: claimed.published ?? false,
          ...(claimed.deliveryId ? { deliveryId: claimed.deliveryId } : {}),
        }
      }
      return {
        status: 'acquired',
        attempt: claimed.attempt,
        ...(claimed.attempt > 1
          ? {
              previous: {
                state: claimed.state ?? 'failed',
                mayHaveReachedSparkfly: claimed.mayHaveReachedSparkfly ?? true,
              },
            }
          : {}),
      }
    },
    settle: async (_key: string, _owner: string, result: unknown, entry: LedgerEntry) => {
      completed.push(result)
      settledEntries.push(entry)
    },
    release: async (_key: string, _owner: string, how: ClaimRelease) => {
      released.push(how.mayHaveReachedSparkfly)
      releases.push(how)
    },
    markPublished: async (key: string) => {
      marked.push(key)
    },
  }
  return { ledger, claims, released, releases, recorded, completed, settledEntries, marked }
}

function deps(
  store: Pick<ReturnType<typeof fakeLedger>, 'ledger' | 'claims'>,
  offers: FakeOffers,
  budgetMs = 31_000,
) {
  const published: OfferCloudEvent[] = []
  const built: IssuanceDeps = {
    offers,
    ledger: store.ledger,
    claims: store.claims,
    publisher: { publish: async (e) => void published.push(e) },
    rules,
    eventSource: 'urn:test',
    owner: 'req-1:msg-1',
    callDeadline: new Date(NOW.getTime() + budgetMs),
    now: () => NOW,
  }
  return { deps: built, published }
}

const operations = (offers: FakeOffers) => offers.calls.map((call) => call.operation)

describe('issueForEvent: Sparkfly calls stay inside the claim', () => {
  it('bounds every Sparkfly call by the call deadline, and takes the claim for that long plus the safety margin', async () => {
    const store = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const take = vi.spyOn(store.claims, 'take')
    const offers = new FakeOffers(() => NOW)

    await issueForEvent(event, deps(store, offers, 27_000).deps, NOW)

    expect(operations(offers)).toEqual(['findByExternalRef', 'issue'])
    for (const call of offers.calls) {
      expect(call.options?.signal).toBeInstanceOf(AbortSignal)
      expect(call.options?.totalTimeoutMs).toBe(27_000)
    }
    expect(take.mock.calls[0]?.[2]).toBe(27_000 + ISSUANCE_CLAIM_LIMITS.leaseSafetyMs)
  })

  it('calls nothing when too little time is left before the deadline, and keeps "an earlier attempt may have issued" for the next one', async () => {
    const { released, ...store } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const offers = new FakeOffers(() => NOW)

    await expect(
      issueForEvent(event, deps(store, offers, ISSUANCE_CLAIM_LIMITS.minCallMs - 100).deps, NOW),
    ).rejects.toThrow(/Not enough time left/)

    expect(offers.calls).toEqual([])
    expect(released).toEqual([true])
  })

  it('keeps "an earlier attempt may have issued" when the look-up itself fails', async () => {
    const { released, ...store } = fakeLedger({ attempt: 3, state: 'pending' })
    const offers = new FakeOffers(() => NOW).fail('findByExternalRef', { error: serverError('Sparkfly 500') })

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow('Sparkfly 500')

    expect(released).toEqual([true])
  })

  it('records that an issue abandoned by its deadline may have reached Sparkfly', async () => {
    const { released, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
    })

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow(/timeout/)

    expect(released).toEqual([true])
  })

  it('lets the next attempt issue without looking when this one looked up and Sparkfly refused the issue with 429', async () => {
    const { released, ...store } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new SparkflyRateLimitError('throttled', { status: 429 }),
    })

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow('throttled')

    expect(operations(offers)).toEqual(['findByExternalRef', 'issue'])
    expect(released).toEqual([false])
  })
})

describe('issueForEvent: what a failed issue tells the next attempt (callFailure)', () => {
  it('counts a 503 as possibly applied: the next attempt looks up before issuing', async () => {
    const { released, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new SparkflyServerError('Sparkfly answered 503', { status: 503 }),
    })

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow('503')

    expect(released).toEqual([true])
  })

  it('counts a refusal of the request (422) as not applied: the next attempt may issue without looking', async () => {
    const { released, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: new SparkflyValidationError('campaign suspended', { status: 422 }),
    })

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow('suspended')

    expect(released).toEqual([false])
  })

  it('counts a failure that is not Sparkfly’s answer (a bug, an unknown error) as possibly applied', async () => {
    const { released, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', { error: new TypeError('fetch failed') })

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow('fetch failed')

    expect(released).toEqual([true])
  })
})

describe('issueForEvent: outcomes', () => {
  it('issues an offer state for the member within the rule’s window, records it, publishes offer.issued and completes the claim', async () => {
    const { recorded, completed, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW)
    const { deps: built, published } = deps(store, offers)

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
    const store = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const offers = new FakeOffers(() => NOW)
    const earlier = offers.seed({
      kind: 'offerState',
      memberId: '42',
      externalRefId: externalRefId(event, { id: 'tier-reward' }),
    })

    const outcomes = await issueForEvent(event, deps(store, offers).deps, NOW)

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
    const store = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: false })
    const offers = new FakeOffers(() => NOW)

    await issueForEvent(event, deps(store, offers).deps, NOW)

    expect(operations(offers)).toEqual(['issue'])
  })

  it('answers a duplicate from the completed claim, with no Sparkfly call', async () => {
    const store = fakeLedger({ done: { kind: 'offerState', id: '1001' } })
    const offers = new FakeOffers(() => NOW)

    const outcomes = await issueForEvent(event, deps(store, offers).deps, NOW)

    expect(outcomes).toEqual([
      { ruleId: 'tier-reward', status: 'duplicate', offer: { kind: 'offerState', id: '1001' } },
    ])
    expect(offers.calls).toEqual([])
  })

  it('creates a credential of the rule’s offer on its channel, and refuses one for a member known only by identifier', async () => {
    const joined: LoyaltyEvent = { ...event, id: 'evt-2', type: 'loyalty.member.joined' }
    const offers = new FakeOffers(() => NOW)

    await issueForEvent(joined, deps(fakeLedger(), offers).deps, NOW)

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
    const refused = issueForEvent(anonymous, deps(fakeLedger(), offers).deps, NOW)
    await expect(refused).rejects.toBeInstanceOf(PermanentError)
    await expect(refused).rejects.toMatchObject({ reason: 'member_id_required' })
  })

  it('matches no rule: returns no outcome and calls nothing', async () => {
    const offers = new FakeOffers(() => NOW)

    const outcomes = await issueForEvent(
      { ...event, type: 'loyalty.points.earned' },
      deps(fakeLedger(), offers).deps,
      NOW,
    )

    expect(outcomes).toEqual([])
    expect(offers.calls).toEqual([])
  })
})

describe('issueForEvent: lost answers (safe replays)', () => {
  it('keeps a claim closed for the safety window after an issue that was applied but whose answer was lost', async () => {
    const { releases, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW).fail('issue', { error: timeoutError(), applied: true })

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow(/in time/)

    expect(releases).toEqual([
      {
        mayHaveReachedSparkfly: true,
        protectUntil: new Date(NOW.getTime() + ISSUANCE_CLAIM_LIMITS.leaseSafetyMs).toISOString(),
      },
    ])
  })

  it('the next attempt after a lost answer looks the offer up and recovers it: one offer', async () => {
    const offers = new FakeOffers(() => NOW).fail('issue', {
      error: serverError('503 after apply'),
      applied: true,
    })
    await expect(issueForEvent(event, deps(fakeLedger(), offers).deps, NOW)).rejects.toThrow('503')

    const outcomes = await issueForEvent(event, deps(fakeLedger({ attempt: 2 }), offers).deps, NOW)

    expect(outcomes).toMatchObject([{ status: 'recovered' }])
    expect(offers.all()).toHaveLength(1)
  })

  it('settles the claim with the entry it records, publishing beside it', async () => {
    const { recorded, settledEntries, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW)
    const { deps: built, published } = deps(store, offers)

    await issueForEvent(event, built, NOW)

    expect(settledEntries).toEqual([store.ledger.entryFor(recorded[0] as NewLedgerEntry)])
    expect(published.map((e) => e.subject)).toEqual([settledEntries[0]?.pk])
  })

  it('a publish that fails after the claim settled leaves the claim settled (not released) and fails the record', async () => {
    const { released, settledEntries, ...store } = fakeLedger()
    const offers = new FakeOffers(() => NOW)
    const { deps: built } = deps(store, offers)
    built.publisher = { publish: async () => Promise.reject(new Error('queue down')) }

    await expect(issueForEvent(event, built, NOW)).rejects.toThrow('queue down')

    expect(settledEntries).toHaveLength(1)
    expect(released).toEqual([])
  })

  it('a settle that fails releases the claim saying the offer may exist, so the next attempt looks it up', async () => {
    const { released, ...store } = fakeLedger()
    store.claims.settle = async () => Promise.reject(new Error('DynamoDB unavailable'))
    const offers = new FakeOffers(() => NOW)

    await expect(issueForEvent(event, deps(store, offers).deps, NOW)).rejects.toThrow('DynamoDB')

    expect(released).toEqual([true])
  })

  it('a redelivery of the message that settled the claim records the entry and publishes it again, then marks it', async () => {
    const entry = fakeLedger().ledger.entryFor({
      kind: 'offerState',
      id: '1001',
      sourceId: 'evt-1',
      issuedAt: NOW.toISOString(),
    })
    const { recorded, marked, ...store } = fakeLedger({
      done: { kind: 'offerState', id: '1001' },
      entry,
      deliveryId: 'msg-1',
    })
    const offers = new FakeOffers(() => NOW)
    const { deps: built, published } = deps(store, offers)
    built.deliveryId = 'msg-1'

    const outcomes = await issueForEvent(event, built, NOW)

    expect(outcomes).toMatchObject([{ status: 'duplicate' }])
    expect(recorded).toEqual([entry])
    expect(published.map((e) => e.id)).toEqual([`offer.issued:${entry.pk}`])
    expect(marked).toHaveLength(1)
    expect(offers.calls).toEqual([])
  })

  it('another copy of the event (another message) is answered from the settled claim without writing or publishing', async () => {
    const entry = fakeLedger().ledger.entryFor({
      kind: 'offerState',
      id: '1001',
      sourceId: 'evt-1',
      issuedAt: NOW.toISOString(),
    })
    const { recorded, ...store } = fakeLedger({
      done: { kind: 'offerState', id: '1001' },
      entry,
      deliveryId: 'msg-1',
    })
    const { deps: built, published } = deps(store, new FakeOffers(() => NOW))
    built.deliveryId = 'msg-2'

    expect(await issueForEvent(event, built, NOW)).toMatchObject([{ status: 'duplicate' }])

    expect(recorded).toEqual([])
    expect(published).toEqual([])
  })

  it('a duplicate of a claim already marked published writes and publishes nothing', async () => {
    const entry = fakeLedger().ledger.entryFor({
      kind: 'offerState',
      id: '1001',
      sourceId: 'evt-1',
      issuedAt: NOW.toISOString(),
    })
    const { recorded, ...store } = fakeLedger({
      done: { kind: 'offerState', id: '1001' },
      entry,
      published: true,
    })
    const { deps: built, published } = deps(store, new FakeOffers(() => NOW))

    await issueForEvent(event, built, NOW)

    expect(recorded).toEqual([])
    expect(published).toEqual([])
  })
})
