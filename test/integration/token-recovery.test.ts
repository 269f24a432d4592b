import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { SweepSummary } from '../../lib/expiry'
import { signWebhook } from '../../lib/webhooks'
import { type HttpApi, startHttpApi } from '../../local/runtime/httpApi'
import {
  type FunctionConfig,
  handlerResolver,
  loadServerlessConfig,
  type ServerlessConfig,
} from '../../local/runtime/serverlessConfig'
import { lambdaContext } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

// Issue 13, case 6: a token the sandbox revoked is re-minted and the redemption answers 200 (it answered 503 before:
// the client re-read the same token from the secret and gave up).
const ROOT = resolve(__dirname, '../..')
const CREDENTIALS_SECRET = 'sparkfly/credentials-for-recovery'

let system: TestSystem
let config: ServerlessConfig
let redeemWebhook: FunctionConfig
const apis: HttpApi[] = []

/** The webhook in a new "container" (fresh modules: no cached secret, token or configuration). */
async function freshWebhook(): Promise<HttpApi> {
  vi.resetModules()
  const api = await startHttpApi({
    config: { functions: [redeemWebhook], authorizers: config.authorizers },
    resolveHandler: handlerResolver({ rootDir: ROOT, importModule: (path) => import(path) }),
  })
  apis.push(api)
  return api
}

async function redeem(api: HttpApi, code: string): Promise<number> {
  const body = JSON.stringify({ code, transactionId: `T-${randomUUID().slice(0, 8)}` })
  const id = `msg_${randomUUID()}`
  const timestamp = Math.floor(Date.now() / 1000)
  const secret = system.webhookSecrets[0] as string
  const response = await fetch(`${api.url}/pos/redemptions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({ secret, id, timestamp, body }),
    },
    body,
  })
  await response.text()
  return response.status
}

async function mintToken(): Promise<string> {
  const { account, url } = system.sandbox
  const minted = await fetch(`${url}/auth`, {
    method: 'POST',
    headers: { 'X-Auth-Identity': account.identity, 'X-Auth-Key': account.key },
  })
  return minted.headers.get('x-auth-token') ?? ''
}

const revokedRefusals = () => system.sandbox.admin.requests().filter((r) => r.fault === 'tokenRevoked').length
const mints = () => system.sandbox.admin.counters().auth

beforeAll(async () => {
  system = await startTestSystem({
    secretForm: 'token',
    env: { SPARKFLY_CREDENTIALS_SECRET_ID: CREDENTIALS_SECRET, POWERTOOLS_METRICS_DISABLED: 'true' },
  })
  system.aws.secretsManager.put(CREDENTIALS_SECRET, {
    identity: system.sandbox.account.identity,
    key: system.sandbox.account.key,
  })
  config = loadServerlessConfig({ rootDir: ROOT, stage: 'test', env: {} })
  const fn = config.functions.find((f) => f.key === 'redeemWebhook')
  if (!fn) throw new Error('serverless.yml declares no redeemWebhook function')
  redeemWebhook = fn
})
afterAll(async () => {
  await Promise.allSettled(apis.map((api) => api.stop()))
  await system?.stop()
})

describe('token recovery with a revoked token (sandbox revocation, webhook redemption)', () => {
  it.each([
    {
      layout: 'token-only secret: the refused token is re-minted through the credentials secret',
      secret: (token: string) => ({ token }),
    },
    {
      layout: 'identity + key + a cached token in one secret: the revoked token is re-minted',
      secret: (token: string) => ({ ...system.sandbox.account, token }),
    },
  ])('$layout; the redemption answers 200', async ({ secret }) => {
    const token = await mintToken()
    system.aws.secretsManager.put(system.aws.secretIds.sparkfly, secret(token))
    const entry = await system.issueOfferState()
    expect(system.sandbox.admin.revokeToken(token)).toBe(true)
    const [refusedBefore, mintsBefore] = [revokedRefusals(), mints()]

    expect(await redeem(await freshWebhook(), entry.code as string)).toBe(200)

    expect(system.sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('redeemed')
    expect(revokedRefusals()).toBe(refusedBefore + 1)
    expect(mints()).toBe(mintsBefore + 1)
  })

  it('the expiry sweep after a 3-day clock jump (the local secret: identity, key and a stale token) fails nothing with 401', async () => {
    const token = await mintToken()
    const { identity, key } = system.sandbox.account
    system.aws.secretsManager.put(system.aws.secretIds.sparkfly, { identity, key, token })
    const due = await system.issueOfferState({
      expiresAt: new Date(system.sandbox.admin.clock.now().getTime() + 3_600_000).toISOString(),
    })
    system.sandbox.admin.clock.advance(3 * 24 * 3_600_000)
    const [refusedBefore, mintsBefore] = [
      system.sandbox.admin.requests().filter((r) => r.status === 401).length,
      mints(),
    ]

    vi.resetModules()
    const { handler } = (await import('../../functions/expiry-sweep')) as {
      handler: (event: unknown, context: unknown) => Promise<SweepSummary>
    }
    const summary = await handler(
      { now: system.sandbox.admin.clock.now().toISOString() },
      lambdaContext({ timeoutMs: 120_000 }),
    )

    expect(Object.values(summary.failures).every((n) => n === 0)).toBe(true)
    expect(system.sandbox.admin.getOfferState(Number(due.id))?.status).toBe('voided')
    expect(system.sandbox.admin.requests().filter((r) => r.status === 401).length).toBe(refusedBefore + 1)
    expect(mints()).toBe(mintsBefore + 1)
  })
})
