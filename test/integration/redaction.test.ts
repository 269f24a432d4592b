import { randomUUID } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCAL_CREDENTIALS } from '../../local/aws'
import type { LocalSystem } from '../../local/system'

/**
 * Secret redaction at DEBUG: a realistic slice of the system runs with every logger at DEBUG, everything written to
 * stdout / stderr / console is captured, and no secret value used may appear in it: the Sparkfly identity and key,
 * every token Sparkfly minted, the webhook secret (the whsec_ string, and its key in base64 and hex) and the staff
 * JWTs.
 */

const captured: string[] = []
const mintedTokens = new Set<string>()
const restores: Array<() => void> = []

/** Captures everything the process writes, however it writes it (streams, console, Powertools' own Console). */
function captureOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined
      callback?.()
      return true
    }) as typeof stream.write
    restores.push(() => {
      stream.write = write
    })
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const original = console[method]
    console[method] = (...args: unknown[]) => {
      captured.push(
        args.map((arg) => (typeof arg === 'string' ? arg : (JSON.stringify(arg) ?? String(arg)))).join(' '),
      )
    }
    restores.push(() => {
      console[method] = original
    })
  }
  // Every token Sparkfly hands out, seen where the functions receive it.
  const fetch = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const response = await fetch(input, init)
    const token = response.headers.get('x-auth-token')
    if (token) mintedTokens.add(token)
    return response
  }
  restores.push(() => {
    globalThis.fetch = fetch
  })
  // The Sparkfly client's default transport is node:http: its answers are seen on the diagnostics channel.
  const onResponse = (message: unknown) => {
    const token = (message as { response: { headers: Record<string, unknown> } }).response.headers[
      'x-auth-token'
    ]
    if (typeof token === 'string') mintedTokens.add(token)
  }
  subscribe('http.client.response.finish', onResponse)
  restores.push(() => {
    unsubscribe('http.client.response.finish', onResponse)
  })
}

let system: LocalSystem
const staffTokens: string[] = []

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG'
  captureOutput()
  const { startLocalSystem } = await import('../../local/system')
  system = await startLocalSystem({
    importModule: (path) => import(path),
    disableSchedules: true,
    endpointsFile: null,
    env: { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_DEV: 'false' },
    log: (line) => captured.push(line),
  })
  // Loggers created before the level was set (module scope) are switched too.
  const { logger } = await import('../../lib/observability')
  const { getDefaultSparkflyLogger } = await import('../../lib/sparkfly/logger')
  logger.setLogLevel('DEBUG')
  ;(getDefaultSparkflyLogger() as unknown as { setLogLevel(level: string): void }).setLogLevel('DEBUG')
  staffTokens.push(system.staffToken)
}, 60_000)

afterAll(async () => {
  for (const restore of restores.splice(0).reverse()) restore()
  await system?.stop()
})

async function post(path: string, body: string, headers: Record<string, string>): Promise<number> {
  const response = await fetch(`${system.httpApi.url}${path}`, { method: 'POST', body, headers })
  await response.text()
  return response.status
}

async function redeem(code: string, secret = system.webhookSecret): Promise<number> {
  const { signWebhook } = await import('../../lib/webhooks')
  const id = `msg_${randomUUID()}`
  const timestamp = Math.floor(Date.now() / 1000)
  const body = JSON.stringify({ code, transactionId: `T-${randomUUID()}` })
  return post('/pos/redemptions', body, {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ secret, id, timestamp, body }),
  })
}

const staffVoid = (path: string, body: object, token = system.staffToken) =>
  post(path, JSON.stringify(body), { 'content-type': 'application/json', authorization: `Bearer ${token}` })

describe('secret redaction at DEBUG', () => {
  it('writes no secret value to stdout, stderr or the console', async () => {
    const member = system.sandbox.fixtures.members[1]!
    const sqs = new SQSClient({
      region: system.aws.region,
      endpoint: system.aws.endpoints.sqs,
      credentials: LOCAL_CREDENTIALS,
    })

    // given offers issued from loyalty events (the functions mint a Sparkfly token from identity + key)
    for (const type of ['loyalty.tier.upgraded', 'loyalty.member.birthday']) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: system.aws.queues.loyaltyEvents,
          MessageBody: JSON.stringify({
            specversion: '1.0',
            id: `redaction-${randomUUID()}`,
            source: 'urn:loyalty:test',
            type,
            data: { member: { id: member.id } },
          }),
        }),
      )
    }
    sqs.destroy()
    await system.idle()
    const offers = system.sandbox.admin.offerStates().filter((o) => o.member_id === member.id)
    expect(offers.length).toBeGreaterThanOrEqual(3)
    const [toRedeem, toVoid, toVoidAfter401] = offers as [
      (typeof offers)[0],
      (typeof offers)[0],
      (typeof offers)[0],
    ]

    // when a POS redeems one with a signed webhook
    expect(await redeem(toRedeem.credential_identifier)).toBe(200)
    // and a POS sends one with a bad signature
    expect(
      await redeem(toRedeem.credential_identifier, `whsec_${Buffer.alloc(24, 1).toString('base64')}`),
    ).toBe(401)
    // and staff void one
    const otherStaff = await system.httpApi.mintStaffToken({
      sub: 'staff-redaction',
      email: 'ops@example.com',
      scope: 'offers:void',
    })
    staffTokens.push(otherStaff)
    expect(
      await staffVoid(
        `/staff/offer-states/${toVoid.offer_state_id}/void`,
        { memberId: member.id, reason: 'test' },
        otherStaff,
      ),
    ).toBe(200)
    // and Sparkfly forgets every token, so the next call gets 401 and the client mints a new one
    const authBefore = system.sandbox.admin.counters().auth
    system.sandbox.admin.revokeTokens()
    expect(
      await staffVoid(`/staff/codes/${toVoidAfter401.credential_identifier}/void`, { reason: 'test' }),
    ).toBe(200)
    expect(system.sandbox.admin.counters().auth).toBeGreaterThan(authBefore)

    // and Secrets Manager fails: the Sparkfly secret is first stored with a typo, then deleted, when a re-read is due
    const sparkflySecretId = system.aws.secretIds.sparkfly
    system.aws.secretsManager.put(sparkflySecretId, {
      identity: system.sandbox.account.identity,
      kee: system.sandbox.account.key,
    })
    system.sandbox.admin.revokeTokens()
    const withTypo = await redeem(offers[3]?.credential_identifier ?? 'NOPE0001')
    expect(withTypo).toBeGreaterThanOrEqual(500)
    const secrets = new SecretsManagerClient({
      region: system.aws.region,
      endpoint: system.aws.endpoints.secretsManager,
      credentials: LOCAL_CREDENTIALS,
    })
    await secrets.send(
      new DeleteSecretCommand({ SecretId: sparkflySecretId, ForceDeleteWithoutRecovery: true }),
    )
    secrets.destroy()
    const deleted = await staffVoid(`/staff/codes/NOSUCHCODE1/void`, { reason: 'test' })
    expect(deleted).toBeGreaterThanOrEqual(500)
    system.aws.secretsManager.put(sparkflySecretId, {
      identity: system.sandbox.account.identity,
      key: system.sandbox.account.key,
    })

    // then the logs were written (at DEBUG) and hold none of the secrets used
    const { decodeWebhookSecret } = await import('../../lib/webhooks')
    const webhookKey = decodeWebhookSecret(system.webhookSecret)
    expect(mintedTokens.size).toBeGreaterThanOrEqual(2)
    const values: Record<string, string> = {
      'Sparkfly identity': system.sandbox.account.identity,
      'Sparkfly key': system.sandbox.account.key,
      'webhook secret': system.webhookSecret,
      'webhook secret without prefix': system.webhookSecret.slice('whsec_'.length),
      'webhook key (base64)': webhookKey.toString('base64'),
      'webhook key (hex)': webhookKey.toString('hex'),
      ...Object.fromEntries([...mintedTokens].map((token, i) => [`Sparkfly token ${i + 1}`, token])),
      ...Object.fromEntries(staffTokens.map((token, i) => [`staff JWT ${i + 1}`, token])),
      ...Object.fromEntries(
        staffTokens.map((token, i) => [`staff JWT ${i + 1} signature`, token.split('.')[2] ?? token]),
      ),
    }
    const output = captured.join('\n')
    const lines = output.split('\n').filter((line) => line.trim() !== '')
    // the capture really sees the handlers' logs, at DEBUG too, so this test can fail
    expect(lines.length).toBeGreaterThanOrEqual(10)
    expect(output).toMatch(/"level":"DEBUG"/)
    expect(output).toMatch(/"level":"(WARN|ERROR)"/)

    const leaks: string[] = []
    for (const [name, value] of Object.entries(values)) {
      expect(value.length).toBeGreaterThanOrEqual(16)
      for (const line of lines) {
        if (line.includes(value)) leaks.push(`${name}: ${line.split(value).join('[SECRET]').slice(0, 300)}`)
      }
    }
    expect(leaks).toEqual([])
  }, 60_000)
})
