import { describe, expect, it } from 'vitest'
import type { LoyaltyEvent } from '../../../lib/events/inbound'
import type { OfferCloudEvent } from '../../../lib/events/outbound'
import type { IssuanceCallOptions, IssuanceGateway, IssuedOffer } from '../../../lib/issuance/gateway'
import { ISSUANCE_CLAIM_LIMITS, type IssuanceDeps, issueForEvent } from '../../../lib/issuance/issueForEvent'
import { parseRules } from '../../../lib/issuance/rules'
import type { Ledger } from '../../../lib/ledger/Ledger'
import type { LedgerEntry } from '../../../lib/ledger/types'

const NOW = new Date('2026-03-01T00:00:00.000Z')
const rules = parseRules({
  version: 'test',
  rules: [
    {
      id: 'tier-reward',
      eventType: 'loyalty.tier.upgraded',
      issue: { kind: 'offerState', campaignId: 'abc', window: { validForDays: 30 } },
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
const issued: IssuedOffer = { kind: 'offerState', id: '1001', code: 'CODE1001', memberId: '42' }

/** The claim side of the ledger: one claim, whose previous attempt is described by `previous`. */
function fakeLedger(previous?: { attempt: number; mayHaveReachedSparkfly?: boolean; state?: string }) {
  const released: boolean[] = []
  const ledger = {
    claim: async () => ({
      status: 'acquired' as const,
      attempt: previous?.attempt ?? 1,
      ...(previous ? { previous: { state: previous.state ?? 'failed', ...previous } } : {}),
    }),
    record: async (entry: LedgerEntry) => ({
      entry: { ...entry, pk: `os#${entry.id}`, status: 'issued' },
      created: true,
    }),
    completeClaim: async () => undefined,
    releaseClaim: async (_key: string, _owner: string, reached: boolean) => {
      released.push(reached)
    },
  }
  return { ledger: ledger as unknown as Ledger, released }
}

function fakeGateway(
  behaviour: {
    issue?: (options?: IssuanceCallOptions) => Promise<IssuedOffer>
    find?: () => Promise<IssuedOffer | undefined>
  } = {},
) {
  const calls: Array<{ op: string; options?: IssuanceCallOptions }> = []
  const gateway: IssuanceGateway = {
    issueOfferState: async (_request, options) => {
      calls.push({ op: 'issue', options })
      return behaviour.issue ? behaviour.issue(options) : issued
    },
    findOfferStateByExternalRef: async (_ref, options) => {
      calls.push({ op: 'find', options })
      return behaviour.find ? behaviour.find() : undefined
    },
    createCredential: async () => issued,
    findCredentialByExternalRef: async () => undefined,
  }
  return { gateway, calls }
}

function deps(ledger: Ledger, gateway: IssuanceGateway, leaseMs: number): IssuanceDeps {
  const published: OfferCloudEvent[] = []
  return {
    gateway,
    ledger,
    publisher: { publish: async (e) => void published.push(e) },
    rules,
    eventSource: 'urn:test',
    owner: 'req-1:msg-1',
    leaseMs,
    now: () => NOW,
  }
}

describe('issueForEvent: Sparkfly calls stay inside the claim', () => {
  it('bounds every Sparkfly call so it is over before the claim lease ends, with the safety margin', async () => {
    const { ledger } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const { gateway, calls } = fakeGateway()

    await issueForEvent(event, deps(ledger, gateway, 35_000), NOW)

    expect(calls.map((c) => c.op)).toEqual(['find', 'issue'])
    for (const call of calls) {
      expect(call.options?.signal).toBeInstanceOf(AbortSignal)
      expect(call.options?.totalTimeoutMs).toBe(35_000 - ISSUANCE_CLAIM_LIMITS.leaseSafetyMs)
    }
  })

  it('calls nothing when the lease is too short, and keeps "an earlier attempt may have issued" for the next one', async () => {
    const { ledger, released } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const { gateway, calls } = fakeGateway()

    await expect(
      issueForEvent(event, deps(ledger, gateway, ISSUANCE_CLAIM_LIMITS.leaseSafetyMs + 100), NOW),
    ).rejects.toThrow(/Not enough time left/)

    expect(calls).toEqual([])
    expect(released).toEqual([true])
  })

  it('keeps "an earlier attempt may have issued" when the look-up itself fails', async () => {
    const { ledger, released } = fakeLedger({ attempt: 3, state: 'pending' })
    const { gateway } = fakeGateway({
      find: () =>
        Promise.reject(
          Object.assign(new Error('Sparkfly 500'), { name: 'SparkflyServerError', status: 500 }),
        ),
    })

    await expect(issueForEvent(event, deps(ledger, gateway, 35_000), NOW)).rejects.toThrow('Sparkfly 500')

    expect(released).toEqual([true])
  })

  it('records that an issue abandoned by its deadline may have reached Sparkfly', async () => {
    const { ledger, released } = fakeLedger()
    const { gateway } = fakeGateway({
      issue: () =>
        Promise.reject(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    })

    await expect(issueForEvent(event, deps(ledger, gateway, 35_000), NOW)).rejects.toThrow(/timeout/)

    expect(released).toEqual([true])
  })

  it('lets the next attempt issue without looking when this one looked up and Sparkfly refused the issue with 429', async () => {
    const { ledger, released } = fakeLedger({ attempt: 2, mayHaveReachedSparkfly: true })
    const { gateway, calls } = fakeGateway({
      issue: () =>
        Promise.reject(
          Object.assign(new Error('throttled'), { name: 'SparkflyRateLimitError', status: 429 }),
        ),
    })

    await expect(issueForEvent(event, deps(ledger, gateway, 35_000), NOW)).rejects.toThrow('throttled')

    expect(calls.map((c) => c.op)).toEqual(['find', 'issue'])
    expect(released).toEqual([false])
  })
})
