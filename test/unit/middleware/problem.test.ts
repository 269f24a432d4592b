import { describe, expect, it } from 'vitest'
import { HttpProblem, PermanentError } from '../../../lib/middleware/errors'
import { problemResponse, toProblem } from '../../../lib/middleware/problem'
import { permanentReason } from '../../../lib/middleware/sqs'

const sparkflyError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, status, ...extra })

describe('toProblem', () => {
  it('keeps an HttpProblem as it is', () => {
    const problem = new HttpProblem(404, 'Offer not found', 'No offer has code X')
    expect(toProblem(problem)).toBe(problem)
  })

  it('maps Sparkfly unavailability to 503 with Retry-After, honouring Sparkfly`s own delay', () => {
    const problem = toProblem(sparkflyError('SparkflyRateLimitError', 429, { retryAfterMs: 7_000 }))
    expect(problem.status).toBe(503)
    expect(problem.headers['retry-after']).toBe('7')
    expect(toProblem(sparkflyError('SparkflyTimeoutError')).status).toBe(503)
  })

  it('maps an unreadable Sparkfly secret to 503 (retry later) but a rejected credential to 502', () => {
    const unreadable = toProblem(sparkflyError('SparkflyAuthenticationError', undefined, { retryable: true }))
    expect(unreadable.status).toBe(503)
    expect(unreadable.headers['retry-after']).toBe('5')
    expect(toProblem(sparkflyError('SparkflyAuthenticationError', 401, { retryable: false })).status).toBe(
      502,
    )
  })

  it('maps other Sparkfly failures to 502 without leaking their text', () => {
    const problem = toProblem(sparkflyError('SparkflyServerError', 500))
    expect(problem.status).toBe(502)
    expect(problem.detail).not.toMatch(/happened/)
  })

  it('maps anything unexpected to a generic 500', () => {
    const problem = toProblem(new TypeError('cannot read x of undefined at /var/task/index.js:1'))
    expect(problem.status).toBe(500)
    expect(problem.detail).not.toMatch(/var\/task|undefined/)
  })

  it('renders application/problem+json with type, title, status, detail and instance', () => {
    const response = problemResponse(
      new HttpProblem(409, 'Already redeemed', 'Code X was redeemed', { state: 'redeemed' }),
      'req-1',
    )
    expect(response.headers).toMatchObject({ 'content-type': 'application/problem+json' })
    expect(JSON.parse(String(response.body))).toEqual({
      type: 'urn:offer-lifecycle:problem:already-redeemed',
      title: 'Already redeemed',
      status: 409,
      detail: 'Code X was redeemed',
      instance: 'req-1',
      state: 'redeemed',
    })
  })
})

describe('permanentReason', () => {
  it('parks PermanentErrors and Sparkfly 4xx other than 401/408/409/429', () => {
    expect(permanentReason(new PermanentError('unknown_member', 'no member 5'))).toEqual({
      reason: 'unknown_member',
      detail: 'no member 5',
    })
    expect(
      permanentReason(sparkflyError('SparkflyNotFoundError', 404, { sparkflyMessage: 'Member not found' })),
    ).toEqual({
      reason: 'sparkfly_404',
      detail: 'Member not found',
    })
    expect(permanentReason(sparkflyError('SparkflyValidationError', 422))?.reason).toBe('sparkfly_422')
  })

  it('retries 401, 408, 409, 429, 5xx and anything unknown', () => {
    for (const status of [401, 408, 409, 429, 500, 503]) {
      expect(permanentReason(sparkflyError('SparkflyError', status))).toBeUndefined()
    }
    expect(permanentReason(new Error('socket hang up'))).toBeUndefined()
  })
})
