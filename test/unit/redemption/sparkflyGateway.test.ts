import { describe, expect, it } from 'vitest'
import { RedeemRefusal, RedeemRefusedError, sparkflyRedemptionGateway } from '../../../lib/redemption'
import type { SparkflyRedemptionApi } from '../../../lib/redemption/sparkflyGateway'
import { createSparkflyError, SparkflyServerError, SparkflyTimeoutError } from '../../../lib/sparkfly/errors'
import type { OfferState } from '../../../lib/sparkfly/resources/offerStates'

const sparkfly422 = (message: string) =>
  createSparkflyError({ status: 422, body: { trace: 't', error: message } })

/** A client whose calls answer or throw what the test says, recording their arguments. */
function client(behaviour: {
  query?: () => OfferState
  redeem?: () => OfferState
  credential?: () => unknown
}) {
  const calls: unknown[][] = []
  const api: SparkflyRedemptionApi = {
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
    } as SparkflyRedemptionApi['offerStates'],
    credentials: {
      redeem: async (...args: unknown[]) => {
        calls.push(['credentials.redeem', ...args])
        return (behaviour.credential ?? (() => ({ id: 1 })))()
      },
    } as SparkflyRedemptionApi['credentials'],
  }
  return { api, calls }
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'no refusal'
  } catch (error) {
    return error instanceof RedeemRefusedError ? error.reason : `other: ${(error as Error).name}`
  }
}

describe('sparkflyRedemptionGateway', () => {
  it('finds an offer state by code with the effective window and ids as strings', async () => {
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
    const gateway = sparkflyRedemptionGateway(api, () => ({ totalTimeoutMs: 3000 }))
    expect(await gateway.findOfferStateByCode('EXT0000001')).toEqual({
      kind: 'offerState',
      id: '777',
      code: 'EXT0000001',
      status: 'incomplete',
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
    expect(await sparkflyRedemptionGateway(client({}).api).findOfferStateByCode('NOPE')).toBeUndefined()
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
    expect(await refusalOf(sparkflyRedemptionGateway(api).redeemOfferState('42', '777'))).toBe(reason)
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
    expect(await refusalOf(sparkflyRedemptionGateway(api).redeemCredential('555'))).toBe(reason)
  })

  it('maps a 404 on redeem to not_found', async () => {
    const { api } = client({
      credential: () => {
        throw createSparkflyError({ status: 404, body: { trace: 't', error: 'Credential not found' } })
      },
    })
    expect(await refusalOf(sparkflyRedemptionGateway(api).redeemCredential('555'))).toBe(
      RedeemRefusal.notFound,
    )
  })

  it('lets transient failures through unchanged (they become 502/503)', async () => {
    for (const error of [new SparkflyServerError('x', { status: 503 }), new SparkflyTimeoutError('x')]) {
      const { api } = client({
        redeem: () => {
          throw error
        },
      })
      expect(await refusalOf(sparkflyRedemptionGateway(api).redeemOfferState('42', '777'))).toBe(
        `other: ${error.name}`,
      )
    }
  })

  it('returns the redemption time and offer name Sparkfly answered', async () => {
    const { api, calls } = client({
      redeem: () => ({ offer_state_id: 777, redeemed_at: '2025-03-01T12:00:00Z', offer_name: '10% off' }),
    })
    expect(await sparkflyRedemptionGateway(api).redeemOfferState('42', '777')).toEqual({
      redeemedAt: '2025-03-01T12:00:00Z',
      offerName: '10% off',
    })
    expect(calls[0]?.slice(0, 3)).toEqual(['redeem', '42', '777'])
  })
})
