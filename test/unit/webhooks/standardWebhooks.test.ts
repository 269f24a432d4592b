import { describe, expect, it } from 'vitest'
import {
  decodeWebhookSecret,
  signWebhook,
  verifyWebhook,
  WebhookFailure,
  WebhookSecretError,
  WebhookVerificationError,
} from '../../../lib/webhooks'
import { newWebhookSecret, signedHeaders } from './helpers'

// Secrets are assembled at run time so that no secret-shaped literal ever reaches a log or a code frame.
const PREFIX = ['whsec', ''].join('_')
// The Standard Webhooks specification's published test vector.
const VECTOR = {
  secret: `${PREFIX}MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`,
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

const body = '{"code":"K7Q2M9XR4T","transactionId":"T-1001"}'
const now = 1_735_689_600_000
const nowSeconds = now / 1000

/** The message `fn` throws with ('' when it does not throw). */
function errorMessage(fn: () => unknown): string {
  try {
    fn()
    return ''
  } catch (error) {
    return (error as Error).message
  }
}

/** The reason `verifyWebhook` refuses with, or 'accepted'. */
function outcome(input: {
  secrets: string[]
  headers: Record<string, string | undefined>
  body?: string
  at?: number
}) {
  try {
    verifyWebhook({
      keys: input.secrets.map(decodeWebhookSecret),
      headers: {
        id: input.headers['webhook-id'],
        timestamp: input.headers['webhook-timestamp'],
        signature: input.headers['webhook-signature'],
      },
      body: input.body ?? body,
      now: input.at ?? now,
    })
    return 'accepted'
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason
    throw error
  }
}

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks reference signature', () => {
    expect(signWebhook(VECTOR)).toBe(VECTOR.signature)
  })

  it('signs with a secret given without its whsec_ prefix the same way', () => {
    expect(signWebhook({ ...VECTOR, secret: VECTOR.secret.slice(PREFIX.length) })).toBe(VECTOR.signature)
  })
})

describe('verifyWebhook', () => {
  const secret = newWebhookSecret()

  it('accepts the reference vector at its own timestamp', () => {
    const headers = {
      'webhook-id': VECTOR.id,
      'webhook-timestamp': String(VECTOR.timestamp),
      'webhook-signature': VECTOR.signature,
    }
    expect(
      outcome({ secrets: [VECTOR.secret], headers, body: VECTOR.body, at: VECTOR.timestamp * 1000 }),
    ).toBe('accepted')
  })

  it('accepts a delivery signed with the secret and returns its id and timestamp', () => {
    const headers = signedHeaders(body, [secret], { id: 'msg_1', timestamp: nowSeconds })
    const verified = verifyWebhook({
      keys: [decodeWebhookSecret(secret)],
      headers: {
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
      },
      body,
      now,
    })
    expect(verified).toEqual({ id: 'msg_1', timestamp: nowSeconds })
  })

  it('refuses a signature made with another secret', () => {
    const headers = signedHeaders(body, [newWebhookSecret()], { timestamp: nowSeconds })
    expect(outcome({ secrets: [secret], headers })).toBe(WebhookFailure.invalidSignature)
  })

  it('refuses a body changed after signing, even by one byte or whitespace', () => {
    const headers = signedHeaders(body, [secret], { timestamp: nowSeconds })
    expect(outcome({ secrets: [secret], headers, body: body.replace('1001', '1002') })).toBe(
      WebhookFailure.invalidSignature,
    )
    expect(outcome({ secrets: [secret], headers, body: `${body} ` })).toBe(WebhookFailure.invalidSignature)
  })

  it('refuses a webhook-id changed after signing (a replay under a new idempotency key)', () => {
    const headers = signedHeaders(body, [secret], { id: 'msg_original', timestamp: nowSeconds })
    expect(outcome({ secrets: [secret], headers: { ...headers, 'webhook-id': 'msg_other' } })).toBe(
      WebhookFailure.invalidSignature,
    )
  })

  it('refuses a timestamp changed after signing', () => {
    const headers = signedHeaders(body, [secret], { timestamp: nowSeconds })
    expect(
      outcome({ secrets: [secret], headers: { ...headers, 'webhook-timestamp': String(nowSeconds - 1) } }),
    ).toBe(WebhookFailure.invalidSignature)
  })

  it('accepts timestamps up to 5 minutes away in either direction', () => {
    for (const offset of [-300, 300]) {
      const headers = signedHeaders(body, [secret], { timestamp: nowSeconds + offset })
      expect(outcome({ secrets: [secret], headers }), `offset ${offset}`).toBe('accepted')
    }
  })

  it('refuses a correctly signed delivery older than 5 minutes (stale replay)', () => {
    const headers = signedHeaders(body, [secret], { timestamp: nowSeconds - 301 })
    expect(outcome({ secrets: [secret], headers })).toBe(WebhookFailure.staleTimestamp)
  })

  it('refuses a correctly signed delivery more than 5 minutes in the future', () => {
    const headers = signedHeaders(body, [secret], { timestamp: nowSeconds + 301 })
    expect(outcome({ secrets: [secret], headers })).toBe(WebhookFailure.futureTimestamp)
  })

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s',
    (name) => {
      const headers: Record<string, string | undefined> = signedHeaders(body, [secret], {
        timestamp: nowSeconds,
      })
      headers[name] = undefined
      expect(outcome({ secrets: [secret], headers })).toBe(WebhookFailure.missingHeaders)
      headers[name] = ''
      expect(outcome({ secrets: [secret], headers })).toBe(WebhookFailure.missingHeaders)
    },
  )

  it.each([
    ['a signature without a version', (sig: string) => sig.slice(3)],
    ['a signature that is not base64', () => 'v1,not*base64!'],
    ['a truncated signature', (sig: string) => sig.slice(0, 20)],
    ['only signatures of an unknown scheme', (sig: string) => sig.replace('v1,', 'v1a,')],
    ['a comma-only entry', () => ','],
    ['a blank header', () => '   '],
    ['too many signatures', (sig: string) => Array(9).fill(sig).join(' ')],
    ['an oversized header', (sig: string) => `${sig} ${'v2,x'.repeat(300)}`],
  ])('refuses %s as malformed', (_label, mutate) => {
    const headers = signedHeaders(body, [secret], { timestamp: nowSeconds })
    const signature = mutate(headers['webhook-signature'] as string)
    const reason = outcome({ secrets: [secret], headers: { ...headers, 'webhook-signature': signature } })
    expect([WebhookFailure.malformedHeaders, WebhookFailure.missingHeaders]).toContain(reason)
  })

  it.each([
    ['a decimal timestamp', { 'webhook-timestamp': `${nowSeconds}.5` }],
    ['a negative timestamp', { 'webhook-timestamp': `-${nowSeconds}` }],
    ['a timestamp in milliseconds far away', { 'webhook-timestamp': String(now) }],
    ['an id with a space', { 'webhook-id': 'msg 1' }],
    ['an id with a line break (header injection)', { 'webhook-id': 'msg_1\r\nx-admin: 1' }],
    ['an id longer than 256 characters', { 'webhook-id': 'm'.repeat(257) }],
  ])('refuses %s', (_label, change) => {
    const headers = { ...signedHeaders(body, [secret], { timestamp: nowSeconds }), ...change }
    expect(outcome({ secrets: [secret], headers })).not.toBe('accepted')
  })

  it('accepts when any one of several signatures matches (sender signing with old and new secret)', () => {
    const old = newWebhookSecret()
    const headers = signedHeaders(body, [newWebhookSecret(), old], { timestamp: nowSeconds })
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2)
    expect(outcome({ secrets: [old], headers })).toBe('accepted')
  })

  it('ignores signatures of other schemes next to a valid v1 one', () => {
    const headers = signedHeaders(body, [secret], { timestamp: nowSeconds })
    const mixed = `v1a,c29tZXRoaW5nIGVsc2U= ${headers['webhook-signature']}`
    expect(outcome({ secrets: [secret], headers: { ...headers, 'webhook-signature': mixed } })).toBe(
      'accepted',
    )
  })

  it('accepts deliveries signed with either secret during a rotation, and refuses both once the old one is removed', () => {
    const oldSecret = newWebhookSecret()
    const newSecret = newWebhookSecret()
    const byOld = signedHeaders(body, [oldSecret], { timestamp: nowSeconds })
    const byNew = signedHeaders(body, [newSecret], { timestamp: nowSeconds })
    expect(outcome({ secrets: [oldSecret, newSecret], headers: byOld })).toBe('accepted')
    expect(outcome({ secrets: [oldSecret, newSecret], headers: byNew })).toBe('accepted')
    expect(outcome({ secrets: [newSecret], headers: byOld })).toBe(WebhookFailure.invalidSignature)
  })

  it('never puts a secret or the expected signature in its error message', () => {
    const headers = signedHeaders(body, [newWebhookSecret()], { timestamp: nowSeconds })
    const expected = signedHeaders(body, [secret], { id: headers['webhook-id'], timestamp: nowSeconds })
    const message = errorMessage(() =>
      verifyWebhook({
        keys: [decodeWebhookSecret(secret)],
        headers: {
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
        },
        body,
        now,
      }),
    )
    expect(message).toMatch(/does not match|No webhook-signature matches/)
    expect(message.includes(secret.slice(PREFIX.length, PREFIX.length + 12))).toBe(false)
    expect(message.includes((expected['webhook-signature'] as string).slice(3, 20))).toBe(false)
  })
})

describe('decodeWebhookSecret', () => {
  it('refuses values that are not base64 or too short, without echoing them', () => {
    const bad = `${PREFIX}not-base64!!`
    expect(() => decodeWebhookSecret(bad)).toThrow(WebhookSecretError)
    expect(() => decodeWebhookSecret(`${PREFIX}c2hvcnQ=`)).toThrow(/fewer than 16 bytes/)
    const message = errorMessage(() => decodeWebhookSecret(bad))
    expect(message).toMatch(/not whsec_<base64>/)
    expect(message.includes('not-base64')).toBe(false)
  })
})
