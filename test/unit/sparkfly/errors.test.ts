import { describe, expect, it } from 'vitest'
import {
  createSparkflyError,
  SparkflyAuthenticationError,
  SparkflyConflictError,
  SparkflyError,
  SparkflyNotFoundError,
  SparkflyRateLimitError,
  SparkflyServerError,
  SparkflyTimeoutError,
  SparkflyValidationError,
} from '../../../lib/sparkfly'

describe('createSparkflyError', () => {
  it.each([
    [400, SparkflyValidationError, 'SparkflyValidationError', false],
    [401, SparkflyAuthenticationError, 'SparkflyAuthenticationError', true],
    [403, SparkflyAuthenticationError, 'SparkflyAuthenticationError', false],
    [404, SparkflyNotFoundError, 'SparkflyNotFoundError', false],
    [408, SparkflyTimeoutError, 'SparkflyTimeoutError', true],
    [409, SparkflyConflictError, 'SparkflyConflictError', true],
    [422, SparkflyValidationError, 'SparkflyValidationError', false],
    [429, SparkflyRateLimitError, 'SparkflyRateLimitError', true],
    [500, SparkflyServerError, 'SparkflyServerError', true],
    [502, SparkflyServerError, 'SparkflyServerError', true],
    [503, SparkflyServerError, 'SparkflyServerError', true],
    [418, SparkflyError, 'SparkflyError', false],
  ] as const)('maps %i to %s', (status, type, name, retryable) => {
    const error = createSparkflyError({ status, operation: 'credentials.get', body: { error: 'x' } })
    expect(error).toBeInstanceOf(type)
    expect(error).toBeInstanceOf(SparkflyError)
    expect(error.name).toBe(name)
    expect(error.retryable).toBe(retryable)
    expect(error.status).toBe(status)
    expect(error.operation).toBe('credentials.get')
  })

  it.each([
    ['Offer State already voided', 'already_voided'],
    ['Credential already voided', 'already_voided'],
    ['Offer State already redeemed', 'already_redeemed'],
    ['Credential already redeemed', 'already_redeemed'],
  ])('maps 422 "%s" to a conflict %s', (message, conflict) => {
    const error = createSparkflyError({
      status: 422,
      body: { trace: 'abc', error: message },
      requestId: 'r1',
    })
    expect(error).toBeInstanceOf(SparkflyConflictError)
    expect(error).toMatchObject({
      conflict,
      trace: 'abc',
      requestId: 'r1',
      sparkflyMessage: message,
      retryable: false,
    })
  })

  it.each([
    ['Offer State is not yet active', 'not_yet_active'],
    ['Offer State has expired', 'expired'],
    ['Campaign is suspended', 'campaign_suspended'],
    ['Campaign not found', 'campaign_not_found'],
  ])('keeps other 422 rejections as validation errors with a reason: %s', (message, rejection) => {
    const error = createSparkflyError({ status: 422, body: { trace: 't', error: message } })
    expect(error).toBeInstanceOf(SparkflyValidationError)
    expect(error).toMatchObject({ rejection, sparkflyMessage: message })
  })

  it('reads field errors from {"errors": {...}}', () => {
    const error = createSparkflyError({
      status: 400,
      body: { errors: { member_id: ["can't be blank"], channel_id: 'is invalid' } },
    })
    expect(error).toMatchObject({
      fieldErrors: { member_id: ["can't be blank"], channel_id: ['is invalid'] },
      sparkflyMessage: "member_id can't be blank; channel_id is invalid",
    })
  })

  it('maps a 409 to an "other" conflict and keeps Retry-After on a 429', () => {
    expect(createSparkflyError({ status: 409, body: {} })).toMatchObject({ conflict: 'other' })
    expect(createSparkflyError({ status: 429, retryAfterMs: 2000 })).toMatchObject({ retryAfterMs: 2000 })
  })

  it('serialises its fields for structured logs', () => {
    const error = createSparkflyError({
      status: 404,
      operation: 'offerStates.get',
      body: { error: 'OfferState not found - not found' },
    })
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({
      name: 'SparkflyNotFoundError',
      status: 404,
      operation: 'offerStates.get',
      sparkflyMessage: 'OfferState not found - not found',
    })
    expect(error.message).toBe(
      'Sparkfly offerStates.get failed with HTTP 404: OfferState not found - not found',
    )
  })
})
