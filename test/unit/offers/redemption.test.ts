import { describe, expect, it } from 'vitest'
import { OfferKind } from '../../../lib/ledger/types'
import {
  type RedeemOutcome,
  RedeemRefusal,
  type SparkflyOffersApi,
  sparkflyOffers,
  withCallOptions,
} from '../../../lib/offers'
import { createSparkflyError, SparkflyServerError, SparkflyTimeoutError } from '../../../lib/sparkfly/errors'
import type { OfferState } from '../../../lib/sparkfly/resources/offerStates'

// What redemption uses of the offers port over the Sparkfly client: findByCode and redeem.

const sparkfly422 = (message: string) =>
  createSparkflyError({ status: 422, body: { trace: 't', error: message } })

/** A client whose calls answer or throw what the test says, recording their arguments. */
function client(behaviour: {
  query?: () => OfferState
  redeem?: () => OfferState
  credential?: () => unknown
}) {
  const calls: unknown[][] = []
  const api = {
    offerStates: {
      query: async (...args: unknown[]) => {
        calls.push(['query', ...args])
        if (!behaviour.query)
          throw createSparkflyError({ status: 404, body: { error: 'OfferState not found - not found' } })
        return behaviour.query()
      },
      redeem: async (...args: unknown[]) => {
        calls.push(['redeem', ...args])
        return (behaviour.redeem ?? (() => ({ offer_state_id: 1 })))()
      },
    },
    credentials: {
      redeem: async (...args: unknown[]) => {
        calls.push(['credentials.redeem', ...args])
        return (behaviour.credential ?? (() => ({ id: 1 })))()
      },
    },
  } as unknown as SparkflyOffersApi
  return { api, calls }
}

const offerState = { kind: OfferKind.offerState, id: '777', memberId: '42' }
const credential = { kind: OfferKind.credential, id: '555' }

/** The refusal reason of a redeem, 'redeemed', or what it threw. */
async function refusalOf(promise: Promise<RedeemOutcome>): Promise<string> {
  try {
    const outcome = await promise
    return outcome.outcome === 'refused' ? outcome.reason : outcome.outcome
  } catch (error) {
    return `threw: ${(error as Error).name}`
  }
}

describe('sparkflyOffers for redemption', () => {
  it('finds an offer state by code with the effective window and ids as strings, within the call budget', async () => {
    const { api, calls } = client({
      query: () => ({
        offer_state_id: 777,
        member_id: 42,
        offer_id: 1701,
        status: 'incomplete',
        credential_identifier: 'EXT0000001',
        activates_at: null,
        effective_activates_at: '2025-02-01T00:00:00Z',
        expires_at: '2025-04-01T00:00:00Z',
        campaign_xid: 'abc',
        offer_name: '10% off',
      }),
    })
    const offers = withCallOptions(sparkflyOffers(api), () => ({ totalTimeoutMs: 3000 }))
    expect(await offers.findByCode('EXT0000001')).toEqual({
      kind: 'offerState',
      id: '777',
      code: 'EXT0000001',
      status: 'open',
      memberId: '42',
      offerId: '1701',
      campaignId: 'abc',
      offerName: '10% off',
      activatesAt: '2025-02-01T00:00:00Z',
      expiresAt: '2025-04-01T00:00:00Z',
    })
    expect(calls[0]).toEqual(['query', { credential_identifier: 'EXT0000001' }, { totalTimeoutMs: 3000 }])
  })

  it('answers undefined for an unknown code', async () => {
    expect(await sparkflyOffers(client({}).api).findByCode('NOPE')).toBeUndefined()
  })

  it.each([
    ['Offer State already redeemed', RedeemRefusal.alreadyRedeemed],
    ['Offer State already voided', RedeemRefusal.voided],
    ['Offer State has expired', RedeemRefusal.expired],
    ['Offer State is not yet active', RedeemRefusal.notYetActive],
  ])('maps Sparkfly 422 "%s" to a refusal', async (message, reason) => {
    const { api } = client({
      redeem: () => {
        throw sparkfly422(message)
      },
    })
    expect(await refusalOf(sparkflyOffers(api).redeem(offerState))).toBe(reason)
  })

  it.each([
    ['Credential already redeemed', RedeemRefusal.alreadyRedeemed],
    ['Credential already voided', RedeemRefusal.voided],
  ])('maps credential 422 "%s" to a refusal', async (message, reason) => {
    const { api } = client({
      credential: () => {
        throw sparkfly422(message)
      },
    })
    expect(await refusalOf(sparkflyOffers(api).redeem(credential))).toBe(reason)
  })

  it('maps a 404 on redeem to not_found', async () => {
    const { api } = client({
      credential: () => {
        throw createSparkflyError({ status: 404, body: { trace: 't', error: 'Credential not found' } })
      },
    })
    expect(await refusalOf(sparkflyOffers(api).redeem(credential))).toBe(RedeemRefusal.notFound)
  })

  it('lets transient failures through unchanged (they become 502/503)', async () => {
    for (const error of [new SparkflyServerError('x', { status: 503 }), new SparkflyTimeoutError('x')]) {
      const { api } = client({
        redeem: () => {
          throw error
        },
      })
      await expect(sparkflyOffers(api).redeem(offerState)).rejects.toBe(error)
    }
  })

  it('returns the redemption time and offer name Sparkfly answered, redeeming under the member', async () => {
    const { api, calls } = client({
      // Offer states document no redeemed_at: the time is the answer's updated_at.
      redeem: () => ({
        offer_state_id: 777,
        status: 'redeemed',
        updated_at: '2025-03-01T12:00:00Z',
        offer_name: '10% off',
      }),
    })
    const offers = withCallOptions(sparkflyOffers(api), () => ({ totalTimeoutMs: 2500 }))
    expect(await offers.redeem(offerState)).toEqual({
      outcome: 'redeemed',
      redeemedAt: '2025-03-01T12:00:00Z',
      offerName: '10% off',
    })
    expect(calls[0]).toEqual(['redeem', '42', '777', undefined, { totalTimeoutMs: 2500 }])
  })

  it('redeems a credential by its id alone', async () => {
    const { api, calls } = client({ credential: () => ({ id: 555, redeemed_at: '2025-03-01T12:00:00Z' }) })
    expect(await sparkflyOffers(api).redeem(credential)).toEqual({
      outcome: 'redeemed',
      redeemedAt: '2025-03-01T12:00:00Z',
    })
    expect(calls[0]?.slice(0, 2)).toEqual(['credentials.redeem', '555'])
  })
})
