import { describe, expect, it } from 'vitest'
import {
  backoffDelay,
  classifyNetworkError,
  FAILURE_APPLIED,
  type FailureKind,
  isRetryable,
  parseRetryAfter,
  RetryBudget,
} from '../../../lib/sparkfly/retry'
import { networkError } from './helpers'

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z')

  it('reads delay seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0)
    expect(parseRetryAfter('1', now)).toBe(1000)
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000)
    expect(parseRetryAfter('1.5', now)).toBe(1500)
  })

  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000)
  })

  it('treats a past date as no wait, and garbage or absence as unknown', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter('-3', now)).toBeUndefined()
    expect(parseRetryAfter('', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})

describe('classifyNetworkError', () => {
  it.each([
    ['ECONNREFUSED', 'connect_failed'],
    ['ENOTFOUND', 'connect_failed'],
    ['UND_ERR_CONNECT_TIMEOUT', 'connect_failed'],
    ['ECONNRESET', 'connection_reset'],
    ['UND_ERR_SOCKET', 'connection_reset'],
    ['EPIPE', 'connection_reset'],
    ['UND_ERR_HEADERS_TIMEOUT', 'network_error'],
  ])('%s -> %s', (code, kind) => {
    expect(classifyNetworkError(networkError(code))).toBe(kind)
  })

  it('finds the code inside an AggregateError (happy eyeballs)', () => {
    const inner = Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })
    const error = new TypeError('fetch failed', { cause: new AggregateError([inner]) })
    expect(classifyNetworkError(error)).toBe('connect_failed')
  })
})

describe('isRetryable', () => {
  it('retries everything transient for idempotent operations', () => {
    for (const kind of [
      'rate_limited',
      'server_error',
      'connect_failed',
      'connection_reset',
      'network_error',
      'timeout',
    ] as const) {
      expect(isRetryable(kind, 'idempotent')).toBe(true)
    }
  })

  it('retries unsafe operations only when Sparkfly provably did nothing', () => {
    expect(isRetryable('rate_limited', 'unsafe')).toBe(true)
    expect(isRetryable('connect_failed', 'unsafe')).toBe(true)
    expect(isRetryable('server_error', 'unsafe')).toBe(false)
    expect(isRetryable('timeout', 'unsafe')).toBe(false)
    expect(isRetryable('network_error', 'unsafe')).toBe(false)
    // A reset may come after the request was written: never replayed for an unsafe call.
    expect(isRetryable('connection_reset', 'unsafe')).toBe(false)
  })

  it('retries an unsafe call exactly on the failures Sparkfly provably did not act on', () => {
    for (const [kind, applied] of Object.entries(FAILURE_APPLIED)) {
      expect(isRetryable(kind as FailureKind, 'unsafe'), kind).toBe(applied === 'no')
    }
    expect(FAILURE_APPLIED).toEqual({
      rate_limited: 'no',
      connect_failed: 'no',
      server_error: 'maybe',
      connection_reset: 'maybe',
      network_error: 'maybe',
      timeout: 'maybe',
    })
  })
})

describe('RetryBudget', () => {
  const policy = { maxRetries: 1, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 }

  it('gives idempotent calls one free reset retry on top of maxRetries, unsafe calls none', () => {
    const idempotent = new RetryBudget({ ...policy, replay: 'idempotent', deadline: Date.now() + 10_000 })
    expect(idempotent.decide('connection_reset')).toEqual({ retry: true, delayMs: 0 })
    expect(idempotent.decide('connection_reset')).toEqual({ retry: true, delayMs: 50 })
    expect(idempotent.decide('connection_reset')).toEqual({ retry: false })

    const unsafe = new RetryBudget({ ...policy, replay: 'unsafe', deadline: Date.now() + 10_000 })
    expect(unsafe.decide('connection_reset')).toEqual({ retry: false })
    expect(unsafe.decide('connect_failed')).toEqual({ retry: true, delayMs: 50 })
  })

  it('honours Retry-After, and gives up when the wait does not fit the deadline', () => {
    const budget = new RetryBudget({ ...policy, replay: 'unsafe', deadline: Date.now() + 1000 })
    expect(budget.decide('rate_limited', 5000)).toEqual({ retry: false })
    expect(budget.decide('rate_limited', 200)).toEqual({ retry: true, delayMs: 200 })
  })
})

describe('backoffDelay', () => {
  it('grows exponentially, is capped, and is jittered', () => {
    const max = (retry: number) =>
      backoffDelay(retry, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.999999 })
    expect([0, 1, 2, 3, 4, 10].map(max)).toEqual([99, 199, 399, 799, 999, 999])
    expect(backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 })).toBe(0)
  })
})
