import { describe, expect, it } from 'vitest'
import { HttpProblem } from '../../../lib/edge/errors'
import { problemResponse } from '../../../lib/edge/problem'
import { redemptionResponse } from '../../../lib/edge/redemption'
import { OfferKind } from '../../../lib/ledger/types'
import type { OfferView, RedemptionOutcome } from '../../../lib/redemption'

const offer: OfferView = {
  kind: OfferKind.offerState,
  id: '9001',
  code: 'K7Q2M9XR4T',
  status: 'redeemed',
  memberId: '42',
  memberIdentifier: 'ext-42',
  offerId: '1701',
  campaignId: 'camp1',
  offerName: '10% off',
  activatesAt: '2025-02-01T00:00:00.000Z',
  expiresAt: '2025-04-01T00:00:00.000Z',
  redeemedAt: '2025-03-01T12:00:00.000Z',
  transactionId: 'T-1001',
  storeId: '12',
}

/** The problem document a refusal renders to. */
function problemOf(outcome: RedemptionOutcome) {
  try {
    redemptionResponse(outcome)
  } catch (error) {
    if (error instanceof HttpProblem)
      return { status: error.status, doc: JSON.parse(problemResponse(error).body) }
    throw error
  }
  throw new Error('expected a problem')
}

describe('redemptionResponse', () => {
  it('answers 200 with the offer state, member, offer and redemption time', () => {
    const response = redemptionResponse({
      status: 'redeemed',
      offer,
      redeemedAt: '2025-03-01T12:00:00.000Z',
      transactionId: 'T-1001',
      storeId: '12',
      source: 'ledger',
      replayed: false,
    })
    expect(response.statusCode).toBe(200)
    expect(JSON.parse(String(response.body))).toEqual({
      status: 'redeemed',
      kind: 'offerState',
      offerState: {
        id: '9001',
        code: 'K7Q2M9XR4T',
        status: 'redeemed',
        activatesAt: '2025-02-01T00:00:00.000Z',
        expiresAt: '2025-04-01T00:00:00.000Z',
      },
      member: { id: '42', identifier: 'ext-42' },
      offer: { id: '1701', campaignId: 'camp1', name: '10% off' },
      redeemedAt: '2025-03-01T12:00:00.000Z',
      transactionId: 'T-1001',
      storeId: '12',
      replayed: false,
    })
  })

  it('names a credential as such', () => {
    const response = redemptionResponse({
      status: 'redeemed',
      offer: { ...offer, kind: OfferKind.credential },
      redeemedAt: '2025-03-01T12:00:00.000Z',
      transactionId: 'T-1001',
      source: 'ledger',
      replayed: false,
    })
    const body = JSON.parse(String(response.body))
    expect(body.kind).toBe('credential')
    expect(body.credential.id).toBe('9001')
    expect(body.offerState).toBeUndefined()
  })

  it('answers 404 without any offer data', () => {
    const { status, doc } = problemOf({ status: 'not_found' })
    expect(status).toBe(404)
    expect(doc).toMatchObject({ title: 'Offer not found', reason: 'not_found' })
    expect(doc.current).toBeUndefined()
  })

  it('answers 409 for an offer already redeemed, with its current state and the earlier transaction', () => {
    const { status, doc } = problemOf({ status: 'already_redeemed', offer, decidedBy: 'ledger' })
    expect(status).toBe(409)
    expect(doc.detail).toMatch(/already redeemed on 2025-03-01T12:00:00.000Z \(POS transaction T-1001\)/)
    expect(doc.current).toMatchObject({
      status: 'redeemed',
      redeemedAt: '2025-03-01T12:00:00.000Z',
      transactionId: 'T-1001',
    })
    // The member is not part of a refusal.
    expect(JSON.stringify(doc).includes('ext-42')).toBe(false)
  })

  it('answers 409 for a voided offer, 410 for an expired one and 422 for one not yet active', () => {
    const voided = problemOf({
      status: 'voided',
      offer: { ...offer, status: 'voided', voidedAt: '2025-02-15T00:00:00.000Z' },
      decidedBy: 'ledger',
    })
    expect(voided.status).toBe(409)
    expect(voided.doc).toMatchObject({
      title: 'Offer voided',
      reason: 'voided',
      current: { status: 'voided' },
    })
    expect(voided.doc.current.transactionId).toBeUndefined()

    const expired = problemOf({
      status: 'expired',
      offer: { ...offer, status: 'issued' },
      decidedBy: 'ledger',
    })
    expect(expired.status).toBe(410)
    expect(expired.doc.detail).toMatch(/expired on 2025-04-01/)

    const early = problemOf({
      status: 'not_yet_active',
      offer: { ...offer, status: 'issued' },
      decidedBy: 'ledger',
    })
    expect(early.status).toBe(422)
    expect(early.doc.detail).toBe(
      'This offer is not valid yet; it can be redeemed from 2025-02-01T00:00:00.000Z. Do not apply the discount today.',
    )
    const undated = problemOf({
      status: 'not_yet_active',
      offer: { ...offer, status: 'issued', activatesAt: undefined },
      decidedBy: 'ledger',
    })
    expect(undated.doc.detail).toBe('This offer is not valid yet. Do not apply the discount today.')
    expect(early.doc.type).toBe('urn:offer-lifecycle:problem:offer-not-yet-active')
  })
})
