import { describe, expect, it, vi } from 'vitest'
import type { SecretReader } from '../../../lib/aws/secrets'
import { httpHandler, json } from '../../../lib/edge/http'
import { verifyWebhookSignature, type WebhookEvent } from '../../../lib/edge/webhookSignature'
import { type WebhookKeyring, type WebhookSecretReport, webhookKeyring } from '../../../lib/webhooks'
import { lambdaContext } from '../../support/events'
import { httpApiEvent, newWebhookSecret, signedHeaders } from './helpers'

/**
 * A SecretReader over an in-memory value that caches like the real one: a plain read returns what was read first,
 * a forced read sees the current value. Counts both.
 */
function fakeReader(initial: unknown) {
  let value = initial
  let cached: unknown
  const reads = { cached: 0, forced: 0 }
  const reader: SecretReader = {
    async getJson<T>(_id: string, options?: { forceFetch?: boolean }) {
      if (options?.forceFetch) reads.forced++
      else reads.cached++
      if (options?.forceFetch || cached === undefined) cached = value
      return cached as T
    },
  }
  return { reader, reads, set: (next: unknown) => (value = next) }
}

/** A handler behind the signature check that records what reached it. */
function setup(keyring: WebhookKeyring, maxBodyBytes = 1024) {
  const reached: WebhookEvent[] = []
  const refused: string[] = []
  const handler = httpHandler<unknown>(
    async (event) => {
      reached.push(event as WebhookEvent)
      return json(200, { ok: true })
    },
    {
      maxBodyBytes,
      beforeParse: [verifyWebhookSignature({ keyring, onRefused: (reason) => refused.push(reason) })],
    },
  )
  const call = async (event: ReturnType<typeof httpApiEvent>) => {
    const result = (await handler(event as never, lambdaContext())) as {
      statusCode: number
      headers: Record<string, string>
      body: string
    }
    return { ...result, json: JSON.parse(result.body) as Record<string, unknown> }
  }
  return { call, reached, refused }
}

const body = JSON.stringify({ code: 'K7Q2M9XR4T', transactionId: 'T-1' })

describe('verifyWebhookSignature', () => {
  it('lets a correctly signed request through with the verified id, the body parsed after the check', async () => {
    const secret = newWebhookSecret()
    const { call, reached } = setup(
      webhookKeyring({ secretId: 'pos/webhook', reader: fakeReader({ secrets: [secret] }).reader }),
    )
    const response = await call(
      httpApiEvent({ body, headers: signedHeaders(body, [secret], { id: 'msg_ok' }) }),
    )
    expect(response.statusCode).toBe(200)
    expect(reached).toHaveLength(1)
    expect(reached[0]?.webhook.id).toBe('msg_ok')
    expect(reached[0]?.body).toEqual({ code: 'K7Q2M9XR4T', transactionId: 'T-1' })
    expect(reached[0]?.rawBody).toBe(body)
  })

  it('answers 401 problem+json with a challenge and never calls the handler when the signature is wrong', async () => {
    const { call, reached, refused } = setup(
      webhookKeyring({
        secretId: 'pos/webhook',
        reader: fakeReader({ secrets: [newWebhookSecret()] }).reader,
      }),
    )
    const response = await call(httpApiEvent({ body, headers: signedHeaders(body, [newWebhookSecret()]) }))
    expect(response.statusCode).toBe(401)
    expect(response.headers['content-type']).toBe('application/problem+json')
    expect(response.headers['www-authenticate']).toMatch(/realm=/)
    expect(response.json).toMatchObject({ status: 401, reason: 'invalid_signature' })
    expect(String(response.json.detail)).toMatch(/current webhook secret/)
    expect(reached).toHaveLength(0)
    expect(refused).toEqual(['invalid_signature'])
  })

  it('checks the signature before parsing: malformed JSON with a bad signature is a 401, not a 400', async () => {
    const { call } = setup(
      webhookKeyring({
        secretId: 'pos/webhook',
        reader: fakeReader({ secrets: [newWebhookSecret()] }).reader,
      }),
    )
    const response = await call(
      httpApiEvent({ body: '{"code":', headers: signedHeaders('{"code":', [newWebhookSecret()]) }),
    )
    expect(response.statusCode).toBe(401)
  })

  it('answers 400 for malformed JSON that is correctly signed', async () => {
    const secret = newWebhookSecret()
    const { call, reached } = setup(
      webhookKeyring({ secretId: 'pos/webhook', reader: fakeReader({ secrets: [secret] }).reader }),
    )
    const response = await call(
      httpApiEvent({ body: '{"code":', headers: signedHeaders('{"code":', [secret]) }),
    )
    expect(response.statusCode).toBe(400)
    expect(reached).toHaveLength(0)
  })

  it('refuses an oversize body with 413 before reading the secret', async () => {
    const fake = fakeReader({ secrets: [newWebhookSecret()] })
    const { call } = setup(webhookKeyring({ secretId: 'pos/webhook', reader: fake.reader }), 100)
    const big = JSON.stringify({ code: 'A'.repeat(200), transactionId: 'T' })
    const response = await call(
      httpApiEvent({ body: big, headers: signedHeaders(big, [newWebhookSecret()]) }),
    )
    expect(response.statusCode).toBe(413)
    expect(fake.reads).toEqual({ cached: 0, forced: 0 })
  })

  it('verifies base64-encoded bodies over their decoded bytes', async () => {
    const secret = newWebhookSecret()
    const { call } = setup(
      webhookKeyring({ secretId: 'pos/webhook', reader: fakeReader({ secrets: [secret] }).reader }),
    )
    const event = httpApiEvent({
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      headers: signedHeaders(body, [secret]),
    })
    expect((await call(event)).statusCode).toBe(200)
  })

  it('signs the exact bytes: a Latin-1 body signed over its bytes passes the check, then fails as not UTF-8', async () => {
    const secret = newWebhookSecret()
    const { call, reached } = setup(
      webhookKeyring({ secretId: 'pos/webhook', reader: fakeReader({ secrets: [secret] }).reader }),
    )
    const latin1 = Buffer.from('{"code":"CAF\u00c9","transactionId":"T1"}', 'latin1')
    const response = await call(
      httpApiEvent({
        body: latin1.toString('base64'),
        isBase64Encoded: true,
        headers: signedHeaders(latin1, [secret]),
      }),
    )
    expect(response.statusCode).toBe(400)
    expect(JSON.parse(String(response.body)).detail).toBe('The request body is not valid UTF-8.')
    expect(reached).toHaveLength(0)
  })

  it('never lets one signature cover two different byte bodies that decode to the same lossy text', async () => {
    const secret = newWebhookSecret()
    const { call } = setup(
      webhookKeyring({ secretId: 'pos/webhook', reader: fakeReader({ secrets: [secret] }).reader }),
    )
    const signed = Buffer.from([0x7b, 0x7d, 0xff]) // "{}" + an invalid byte: lossy UTF-8 reads "{}\ufffd"
    const other = Buffer.from([0x7b, 0x7d, 0xfe]) // another invalid byte, the same lossy text
    expect(signed.toString('utf8')).toBe(other.toString('utf8'))
    const headers = signedHeaders(signed, [secret])
    const response = await call(
      httpApiEvent({ body: other.toString('base64'), isBase64Encoded: true, headers }),
    )
    expect(response.statusCode).toBe(401)
  })

  it('reads mixed-case header names (normalised by the chain)', async () => {
    const secret = newWebhookSecret()
    const { call } = setup(
      webhookKeyring({ secretId: 'pos/webhook', reader: fakeReader({ secrets: [secret] }).reader }),
    )
    const headers = Object.fromEntries(
      Object.entries(signedHeaders(body, [secret])).map(([name, value]) => [name.toUpperCase(), value]),
    )
    expect((await call(httpApiEvent({ body, headers }))).statusCode).toBe(200)
  })

  it('tells a stale delivery apart so the POS can fix its clock', async () => {
    const secret = newWebhookSecret()
    const { call } = setup(
      webhookKeyring({ secretId: 'pos/webhook', reader: fakeReader({ secrets: [secret] }).reader }),
    )
    const stale = Math.floor(Date.now() / 1000) - 600
    const response = await call(
      httpApiEvent({ body, headers: signedHeaders(body, [secret], { timestamp: stale }) }),
    )
    expect(response.statusCode).toBe(401)
    expect(response.json.reason).toBe('stale_timestamp')
    expect(String(response.json.detail)).toMatch(/clock/)
  })

  it('picks up a key added by a rotation since the secret was cached, re-reading at most once per interval', async () => {
    const oldSecret = newWebhookSecret()
    const newSecret = newWebhookSecret()
    const fake = fakeReader({ secrets: [oldSecret] })
    let clock = 0
    const keyring = webhookKeyring({
      secretId: 'pos/webhook',
      reader: fake.reader,
      now: () => clock,
      minRefreshIntervalMs: 30_000,
    })
    const { call } = setup(keyring)
    expect((await call(httpApiEvent({ body, headers: signedHeaders(body, [oldSecret]) }))).statusCode).toBe(
      200,
    )

    // The operator adds the new secret; the POS starts signing with it before our cache expires.
    fake.set({ secrets: [oldSecret, newSecret] })
    const byNew = await call(httpApiEvent({ body, headers: signedHeaders(body, [newSecret]) }))
    expect(byNew.statusCode).toBe(200)
    expect(fake.reads.forced).toBe(1)

    // A flood of bad signatures does not re-read the secret each time.
    for (let i = 0; i < 5; i++) {
      clock += 1_000
      expect(
        (await call(httpApiEvent({ body, headers: signedHeaders(body, [newWebhookSecret()]) }))).statusCode,
      ).toBe(401)
    }
    expect(fake.reads.forced).toBe(1)
  })

  it('keeps answering 401 (not 5xx) when the forced re-read fails', async () => {
    const reader: SecretReader = {
      getJson: vi.fn(async (_id: string, options?: { forceFetch?: boolean }) => {
        if (options?.forceFetch) throw new Error('Secrets Manager unavailable')
        return { secrets: [newWebhookSecret()] } as never
      }),
    }
    const { call } = setup(webhookKeyring({ secretId: 'pos/webhook', reader }))
    const response = await call(httpApiEvent({ body, headers: signedHeaders(body, [newWebhookSecret()]) }))
    expect(response.statusCode).toBe(401)
  })

  it.each([
    ['a placeholder', { placeholder: 'abc' }],
    ['an empty list', { secrets: [] }],
    ['only undecodable entries', { secrets: ['whsec_!!!', 'CHANGE_ME', 42] }],
  ])(
    'answers 503 problem+json with Retry-After (never 500) when the secret holds %s, and reports it',
    async (_name, value) => {
      const reports: WebhookSecretReport[] = []
      const { call, reached } = setup(
        webhookKeyring({
          secretId: 'pos/webhook',
          reader: fakeReader(value).reader,
          onProblem: (r) => reports.push(r),
        }),
      )
      const response = await call(httpApiEvent({ body, headers: signedHeaders(body, [newWebhookSecret()]) }))
      expect(response.statusCode).toBe(503)
      expect(response.headers['content-type']).toBe('application/problem+json')
      expect(response.headers['retry-after']).toBe('60')
      expect(response.json).toMatchObject({ status: 503, reason: 'webhook_secret_unavailable' })
      expect(response.body.includes('placeholder')).toBe(false)
      expect(response.body.includes('pos/webhook')).toBe(false)
      expect(reached).toHaveLength(0)
      expect(reports).toEqual([{ secretId: 'pos/webhook', problem: 'invalid' }])
    },
  )

  it('answers 503 when the secret cannot be read, and holds the failure instead of asking again at once', async () => {
    let clock = 0
    const reads = { count: 0 }
    const reader: SecretReader = {
      getJson: async () => {
        reads.count++
        throw new Error('AccessDeniedException')
      },
    }
    const reports: WebhookSecretReport[] = []
    const keyring = webhookKeyring({
      secretId: 'pos/webhook',
      reader,
      now: () => clock,
      failureHoldMs: 5_000,
      onProblem: (r) => reports.push(r),
    })
    const { call } = setup(keyring)
    const signed = () => httpApiEvent({ body, headers: signedHeaders(body, [newWebhookSecret()]) })
    expect((await call(signed())).statusCode).toBe(503)
    clock += 1_000
    expect((await call(signed())).statusCode).toBe(503)
    expect(reads.count).toBe(1)
    clock += 5_000
    expect((await call(signed())).statusCode).toBe(503)
    expect(reads.count).toBe(2)
    expect(reports.map((r) => r.problem)).toEqual(['unreadable', 'unreadable', 'unreadable'])
  })

  it('answers 503 (not 500) when the secret id is not configured', async () => {
    const { call } = setup(
      webhookKeyring({
        secretId: () => {
          throw new Error('Missing configuration: WEBHOOK_SECRET_ID')
        },
      }),
    )
    const response = await call(httpApiEvent({ body, headers: signedHeaders(body, [newWebhookSecret()]) }))
    expect(response.statusCode).toBe(503)
  })

  it('checks signatures against the valid entries when some are broken, and reports the broken ones', async () => {
    const secret = newWebhookSecret()
    const reports: WebhookSecretReport[] = []
    const { call } = setup(
      webhookKeyring({
        secretId: 'pos/webhook',
        reader: fakeReader({ secrets: ['whsec_not base64', secret, ''] }).reader,
        onProblem: (r) => reports.push(r),
      }),
    )
    const good = await call(httpApiEvent({ body, headers: signedHeaders(body, [secret]) }))
    const bad = await call(httpApiEvent({ body, headers: signedHeaders(body, [newWebhookSecret()]) }))
    expect([good.statusCode, bad.statusCode]).toEqual([200, 401])
    expect(reports[0]).toEqual({ secretId: 'pos/webhook', problem: 'broken_entries', brokenEntries: 2 })
  })

  it.each([
    ['no headers at all', {}],
    [
      'no webhook-signature',
      { 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) },
    ],
    [
      'a malformed timestamp',
      { 'webhook-id': 'msg_1', 'webhook-timestamp': 'soon', 'webhook-signature': 'v1,x' },
    ],
    [
      'a stale timestamp',
      { 'webhook-id': 'msg_1', 'webhook-timestamp': '1000', 'webhook-signature': `v1,${'A'.repeat(43)}=` },
    ],
  ])(
    'reads no secret for a request with %s (401 before any Secrets Manager call)',
    async (_name, headers) => {
      const fake = fakeReader({ secrets: [newWebhookSecret()] })
      const { call } = setup(webhookKeyring({ secretId: 'pos/webhook', reader: fake.reader }))
      const response = await call(httpApiEvent({ body, headers }))
      expect(response.statusCode).toBe(401)
      expect(fake.reads).toEqual({ cached: 0, forced: 0 })
    },
  )

  it('refuses a repeated webhook-id (joined with a comma by API Gateway) with a clear 401, reading no secret', async () => {
    const secret = newWebhookSecret()
    const fake = fakeReader({ secrets: [secret] })
    const { call, reached } = setup(webhookKeyring({ secretId: 'pos/webhook', reader: fake.reader }))
    // Even signed over the joined value, the delivery is refused: which id is the idempotency key is ambiguous.
    const headers = signedHeaders(body, [secret], { id: 'msg_1,msg_2' })
    const response = await call(httpApiEvent({ body, headers }))
    expect(response.statusCode).toBe(401)
    expect(response.json.reason).toBe('repeated_header')
    expect(String(response.json.detail)).toMatch(/more than once/)
    expect(reached).toHaveLength(0)
    expect(fake.reads).toEqual({ cached: 0, forced: 0 })
  })
})
