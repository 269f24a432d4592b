import { describe, expect, it } from 'vitest'
import {
  appliedOf,
  createSparkflyError,
  SparkflyAuthenticationError,
  SparkflyConflictError,
  SparkflyConnectionError,
  SparkflyContractError,
  SparkflyError,
  SparkflyInvalidArgumentError,
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

describe('applied', () => {
  it.each([
    [400, 'no'],
    [401, 'no'],
    [403, 'no'],
    [404, 'no'],
    [409, 'no'],
    [418, 'no'],
    [422, 'no'],
    [429, 'no'],
    [408, 'maybe'],
    [500, 'maybe'],
    [502, 'maybe'],
    [503, 'maybe'],
    [504, 'maybe'],
  ] as const)('says whether Sparkfly could have acted on a %i: %s', (status, applied) => {
    const error = createSparkflyError({ status, operation: 'offerStates.issue', body: { error: 'x' } })
    expect(error.applied).toBe(applied)
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ applied })
  })

  it('says no for a 422 conflict and a locked rejection, which are retryable but were refused', () => {
    const voided = createSparkflyError({ status: 422, body: { error: 'Offer State already voided' } })
    const locked = createSparkflyError({ status: 422, body: { error: 'Credential is locked' } })
    expect(voided).toMatchObject({ conflict: 'already_voided', applied: 'no' })
    expect(locked).toMatchObject({ rejection: 'locked', retryable: true, applied: 'no' })
  })

  it('says no for an argument rejected before sending and a secret that could not be read', () => {
    expect(new SparkflyInvalidArgumentError('id', 'id: bad').applied).toBe('no')
    expect(new SparkflyAuthenticationError('secret unreadable', { retryable: true }).applied).toBe('no')
  })

  it('says maybe for a timeout, a 2xx that broke the contract, and a connection error unless told no', () => {
    expect(new SparkflyTimeoutError('slow').applied).toBe('maybe')
    expect(new SparkflyContractError('bad body', { status: 201, path: 'offer_state.id' }).applied).toBe(
      'maybe',
    )
    expect(new SparkflyConnectionError('reset', { code: 'ECONNRESET' }).applied).toBe('maybe')
    expect(new SparkflyConnectionError('refused', { code: 'ECONNREFUSED', applied: 'no' }).applied).toBe('no')
  })

  it('appliedOf reads a SparkflyError and treats anything else (an abort reason) as maybe', () => {
    expect(appliedOf(createSparkflyError({ status: 404 }))).toBe('no')
    expect(appliedOf(createSparkflyError({ status: 503 }))).toBe('maybe')
    expect(appliedOf(new DOMException('The operation was aborted', 'AbortError'))).toBe('maybe')
  })
})
