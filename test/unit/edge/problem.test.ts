import { describe, expect, it } from 'vitest'
import { HttpProblem, PermanentError } from '../../../lib/edge/errors'
import { problemResponse, toProblem } from '../../../lib/edge/problem'
import { permanentReason } from '../../../lib/edge/sqs'

import {
  createSparkflyError,
  SparkflyAuthenticationError,
  SparkflyContractError,
  SparkflyTimeoutError,
} from '../../../lib/sparkfly/errors'

/** A real client error for an HTTP answer of Sparkfly's (classification reads properties, never names). */
const answered = (status: number, extra: { retryAfterMs?: number; error?: string } = {}) =>
  createSparkflyError({
    status,
    body: { error: extra.error ?? 'it happened' },
    retryAfterMs: extra.retryAfterMs,
  })

describe('toProblem', () => {
  it('keeps an HttpProblem as it is', () => {
    const problem = new HttpProblem(404, 'Offer not found', 'No offer has code X')
    expect(toProblem(problem)).toBe(problem)
  })

  it('maps Sparkfly unavailability to 503 with Retry-After, honouring Sparkfly`s own delay', () => {
    const problem = toProblem(answered(429, { retryAfterMs: 7_000 }))
    expect(problem.status).toBe(503)
    expect(problem.headers['retry-after']).toBe('7')
    expect(toProblem(new SparkflyTimeoutError('no answer')).status).toBe(503)
  })

  it('maps an unreadable Sparkfly secret to 503 (retry later) but a rejected credential to 502', () => {
    const unreadable = toProblem(new SparkflyAuthenticationError('secret unreadable', { retryable: true }))
    expect(unreadable.status).toBe(503)
    expect(unreadable.headers['retry-after']).toBe('5')
    expect(toProblem(answered(403)).status).toBe(502)
  })

  it('maps other Sparkfly failures to 502 without leaking their text', () => {
    const problem = toProblem(answered(500))
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
    expect(permanentReason(answered(404, { error: 'Member not found' }))).toEqual({
      reason: 'sparkfly_404',
      detail: 'Member not found',
    })
    expect(permanentReason(answered(422))?.reason).toBe('sparkfly_422')
    expect(permanentReason(new SparkflyContractError('bad answer', { path: 'offer_state.id' }))?.reason).toBe(
      'sparkfly_contract',
    )
  })

  it('retries 401, 408, 409, 429, 5xx and anything unknown', () => {
    for (const status of [401, 408, 409, 429, 500, 503]) {
      expect(permanentReason(answered(status))).toBeUndefined()
    }
    expect(permanentReason(new Error('socket hang up'))).toBeUndefined()
  })
})
