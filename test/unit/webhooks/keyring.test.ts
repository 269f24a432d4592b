import { describe, expect, it } from 'vitest'
import {
  decodeWebhookSecret,
  verifyWithKeyring,
  WebhookFailure,
  type WebhookKeyring,
  WebhookVerificationError,
} from '../../../lib/webhooks'
import { newWebhookSecret, signedHeaders } from './helpers'

const body = JSON.stringify({ code: 'K7Q2M9XR4T', transactionId: 'T-1' })

/** A keyring over fixed keys whose refresh answers `refreshed` (or throws it), counting refreshes. */
function keyring(secrets: string[], refreshed: string[] | Error | undefined) {
  const counts = { refresh: 0 }
  const ring: WebhookKeyring = {
    keys: async () => secrets.map(decodeWebhookSecret),
    refresh: async () => {
      counts.refresh++
      if (refreshed instanceof Error) throw refreshed
      return refreshed?.map(decodeWebhookSecret)
    },
  }
  return { ring, counts }
}

const headersOf = (h: Record<string, string>) => ({
  id: h['webhook-id'],
  timestamp: h['webhook-timestamp'],
  signature: h['webhook-signature'],
})

/** The refusal reason, or 'verified'. */
async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
    return 'verified'
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error
    return error.reason
  }
}

describe('verifyWithKeyring', () => {
  it('verifies with the cached keys without re-reading the secret', async () => {
    const secret = newWebhookSecret()
    const { ring, counts } = keyring([secret], undefined)
    const verified = await verifyWithKeyring(ring, {
      headers: headersOf(signedHeaders(body, [secret], { id: 'msg_1' })),
      body,
    })
    expect(verified.id).toBe('msg_1')
    expect(counts.refresh).toBe(0)
  })

  it('re-reads the secret once when no signature matches, and accepts a key a rotation added', async () => {
    const added = newWebhookSecret()
    const { ring, counts } = keyring([newWebhookSecret()], [added])
    const headers = headersOf(signedHeaders(body, [added]))
    expect(await reasonOf(verifyWithKeyring(ring, { headers, body }))).toBe('verified')
    expect(counts.refresh).toBe(1)
  })

  it('keeps the refusal when the re-read is rate limited or fails', async () => {
    const headers = headersOf(signedHeaders(body, [newWebhookSecret()]))
    const limited = keyring([newWebhookSecret()], undefined)
    const failing = keyring([newWebhookSecret()], new Error('Secrets Manager unavailable'))
    expect(await reasonOf(verifyWithKeyring(limited.ring, { headers, body }))).toBe(
      WebhookFailure.invalidSignature,
    )
    expect(await reasonOf(verifyWithKeyring(failing.ring, { headers, body }))).toBe(
      WebhookFailure.invalidSignature,
    )
    expect([limited.counts.refresh, failing.counts.refresh]).toEqual([1, 1])
  })

  it('never re-reads the secret for a refusal no key changes (stale timestamp)', async () => {
    const secret = newWebhookSecret()
    const { ring, counts } = keyring([secret], [secret])
    const headers = headersOf(signedHeaders(body, [secret], { timestamp: 1_000 }))
    expect(await reasonOf(verifyWithKeyring(ring, { headers, body, now: () => 2_000_000 }))).toBe(
      WebhookFailure.staleTimestamp,
    )
    expect(counts.refresh).toBe(0)
  })
})
