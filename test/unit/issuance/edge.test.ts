import { afterEach, describe, expect, it, vi } from 'vitest'
import { ISSUANCE_DEADLINES, issuanceRecordHandler } from '../../../lib/edge/issuance'
import { PermanentError, TransientError } from '../../../lib/errors'
import { type IssuanceDeps, parseRules } from '../../../lib/issuance'
import { metrics } from '../../../lib/observability'
import { cloudEvent, lambdaContext, sqsRecord } from '../../support/events'
import { FakeOffers } from '../../support/fakeOffers'

const rules = parseRules({
  version: 'test',
  rules: [
    {
      id: 'tier-reward',
      eventType: 'loyalty.tier.upgraded',
      issue: { kind: 'offerState', campaignId: 'abc', window: { validForDays: 1 } },
    },
  ],
})

/** A ledger whose claims are always free: enough for the edge, which only wires and reports. */
const freeLedger = {
  entryFor: (entry: Record<string, unknown>) => ({ ...entry, pk: `os#${entry.id}`, status: 'issued' }),
  record: async (entry: Record<string, unknown>) => ({
    entry: { ...entry, status: 'issued' },
    created: true,
  }),
} as unknown as IssuanceDeps['ledger']
const freeClaims: IssuanceDeps['claims'] = {
  take: async () => ({ status: 'acquired' as const, attempt: 1 }),
  settle: async () => undefined,
  release: async () => undefined,
  markPublished: async () => undefined,
}

function setup() {
  const offers = new FakeOffers()
  const attempts: Array<Pick<IssuanceDeps, 'owner' | 'callDeadline'>> = []
  const handle = issuanceRecordHandler((attempt) => {
    attempts.push(attempt)
    return {
      offers,
      ledger: freeLedger,
      claims: freeClaims,
      publisher: { publish: async () => {} },
      rules,
      eventSource: 'urn:t',
      ...attempt,
    }
  })
  const addMetric = vi.spyOn(metrics, 'addMetric')
  return { offers, attempts, handle, addMetric }
}

afterEach(() => vi.restoreAllMocks())

describe('issuanceRecordHandler (the SQS edge of issuance)', () => {
  it('issues under a claim held by this invocation and record, every call over before the deadline with the margin, and counts it', async () => {
    const { offers, attempts, handle, addMetric } = setup()
    const sentAt = Date.parse('2026-03-01T00:00:00.000Z')
    const body = cloudEvent({ type: 'loyalty.tier.upgraded', member: { id: 42 } })
    const { time: _time, ...untimed } = body
    const record = sqsRecord(untimed, {
      attributes: { ...sqsRecord({}).attributes, SentTimestamp: String(sentAt) },
    })
    const context = lambdaContext({ timeoutMs: 30_000 })

    const startedAt = Date.now()
    const outcomes = await handle(record, context)

    expect(outcomes).toMatchObject([{ ruleId: 'tier-reward', status: 'issued' }])
    expect(attempts).toHaveLength(1)
    expect(attempts[0]?.owner).toBe(`${context.awsRequestId}:${record.messageId}`)
    const callDeadline = attempts[0]?.callDeadline.getTime() ?? 0
    expect(callDeadline).toBeLessThanOrEqual(startedAt + 30_000 - ISSUANCE_DEADLINES.marginMs)
    expect(callDeadline).toBeGreaterThan(startedAt + 20_000)
    // an event without a time starts its window when SQS received it
    expect(offers.callsOf('issue')[0]?.args[0]).toMatchObject({ activatesAt: '2026-03-01T00:00:00.000Z' })
    expect(addMetric).toHaveBeenCalledWith('OffersIssued', 'Count', 1)
  })

  it('acknowledges an event that matches no rule and counts it as unmatched', async () => {
    const { offers, handle, addMetric } = setup()

    const outcomes = await handle(sqsRecord(cloudEvent({ type: 'loyalty.points.earned' })), lambdaContext())

    expect(outcomes).toEqual([])
    expect(offers.calls).toEqual([])
    expect(addMetric).toHaveBeenCalledWith('EventsUnmatched', 'Count', 1)
  })

  it('throws PermanentError for a malformed body, before building any dependency', async () => {
    const { attempts, handle } = setup()

    await expect(handle(sqsRecord('{"specversion":'), lambdaContext())).rejects.toBeInstanceOf(PermanentError)
    expect(attempts).toEqual([])
  })

  it('leaves a record that would start too close to the deadline to SQS, with no side effect', async () => {
    const { offers, attempts, handle } = setup()
    const context = lambdaContext({
      timeoutMs: ISSUANCE_DEADLINES.marginMs + ISSUANCE_DEADLINES.minStartMs - 500,
    })
    const record = sqsRecord(cloudEvent({ type: 'loyalty.tier.upgraded', member: { id: 42 } }))

    await expect(handle(record, context)).rejects.toBeInstanceOf(TransientError)

    expect(attempts).toEqual([])
    expect(offers.calls).toEqual([])
  })
})
