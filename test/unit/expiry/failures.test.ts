import { describe, expect, it } from 'vitest'
import { failureReason, SweepAbortedError } from '../../../lib/expiry'
import {
  SparkflyAuthenticationError,
  SparkflyInvalidArgumentError,
  SparkflyNotFoundError,
  SparkflyRateLimitError,
  SparkflyServerError,
  SparkflyTimeoutError,
} from '../../../lib/sparkfly/errors'

describe('failureReason', () => {
  it('classifies failures by their properties', () => {
    expect(failureReason(new SparkflyRateLimitError('429', { status: 429, retryAfterMs: 700 }))).toBe(
      'rate_limited',
    )
    expect(failureReason(new SparkflyServerError('503', { status: 503 }))).toBe('sparkfly_unavailable')
    expect(failureReason(new SparkflyTimeoutError('slow'))).toBe('sparkfly_unavailable')
    expect(failureReason(new SparkflyAuthenticationError('403', { status: 403 }))).toBe('sparkfly_rejected')
    expect(failureReason(new SparkflyNotFoundError('404', { status: 404 }))).toBe('sparkfly_rejected')
    expect(failureReason(new SparkflyInvalidArgumentError('memberId', 'no member'))).toBe('sparkfly_rejected')
    expect(failureReason(new SweepAbortedError(new Error('deadline')))).toBe('aborted')
    expect(failureReason(new Error('DynamoDB throttled'))).toBe('internal')
    expect(failureReason(undefined)).toBe('internal')
  })

  it('never reads names: an error merely named like a Sparkfly one is internal', () => {
    const impostor = Object.assign(new Error('429'), { name: 'SparkflyRateLimitError', retryable: true })
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' })
    expect(failureReason(impostor)).toBe('internal')
    expect(failureReason(abort)).toBe('internal')
  })
})
