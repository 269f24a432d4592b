import { describe, expect, it } from 'vitest'
import { backoffDelay, classifyNetworkError, isRetryable, parseRetryAfter } from '../../../lib/sparkfly/retry'
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
    // Resets get their single free retry elsewhere (allowsFreeResetRetry), not here.
    expect(isRetryable('connection_reset', 'unsafe')).toBe(false)
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
