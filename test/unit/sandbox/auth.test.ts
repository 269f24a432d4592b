import { afterEach, describe, expect, it } from 'vitest'
import type { Sandbox } from '../../../local/sandbox'
import { adminCall, client, login, start } from './helpers'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

const HOUR = 3_600_000

describe('sandbox /auth', () => {
  it('answers POST and GET /auth with 204 and a random sbx_tok_ token', async () => {
    sandbox = await start()
    const headers = { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key }

    const post = await fetch(`${sandbox.url}/auth`, { method: 'POST', headers })
    const get = await fetch(`${sandbox.url}/auth`, { method: 'GET', headers })
    // Both specs put /auth at the host root, outside /v1.0: answered there too.
    const root = await fetch(`${sandbox.origin}/auth`, { method: 'GET', headers })

    for (const answer of [post, get, root]) {
      expect(answer.status).toBe(204)
      expect(answer.headers.get('x-auth-token')).toMatch(/^sbx_tok_[0-9a-f]{48}$/)
      expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    }
    const tokens = new Set([post, get, root].map((a) => a.headers.get('x-auth-token')))
    expect(tokens.size).toBe(3)
    expect(sandbox.account.key).toMatch(/^sbx_key_/)
  })

  it('refuses a wrong key, an unknown identity and missing headers with 401 and no token', async () => {
    sandbox = await start()
    const attempts: Array<Record<string, string>> = [
      { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': 'sbx_key_wrong' },
      { 'X-Auth-Identity': 'nobody', 'X-Auth-Key': sandbox.account.key },
      {},
    ]
    for (const headers of attempts) {
      const answer = await fetch(`${sandbox.url}/auth`, { method: 'POST', headers })
      expect(answer.status).toBe(401)
      expect(answer.headers.get('x-auth-token')).toBeNull()
      expect(await answer.json()).toEqual({ error: 'Invalid credentials' })
    }
  })

  it('accepts an account created at run time', async () => {
    sandbox = await start()
    const extra = sandbox.admin.createAccount()
    const answer = await fetch(`${sandbox.url}/auth`, {
      method: 'POST',
      headers: { 'X-Auth-Identity': extra.identity, 'X-Auth-Key': extra.key },
    })
    expect(answer.status).toBe(204)
  })
})

describe('sandbox token check', () => {
  it('answers 401 to an API call without a token or with an unknown token, never echoing it', async () => {
    sandbox = await start()
    const member = sandbox.fixtures.members[0]!
    const none = await fetch(
      `${sandbox.url}/members/${member.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`,
    )
    expect(none.status).toBe(401)
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/)
    expect(await none.json()).toEqual({ error: 'X-Auth-Token header is required' })

    const forged = 'sbx_tok_000000000000000000000000000000000000000000000000'
    const bad = await fetch(
      `${sandbox.url}/members/${member.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`,
      {
        headers: { 'X-Auth-Token': forged },
      },
    )
    expect(bad.status).toBe(401)
    const text = await bad.text()
    expect(JSON.parse(text)).toEqual({ error: 'Invalid or expired token' })
    expect(text).not.toContain(forged)
  })

  it('lets a token lapse after the configured TTL on the sandbox clock', async () => {
    sandbox = await start({ tokenTtlSeconds: 60 })
    const api = client(sandbox, await login(sandbox))
    const path = `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`

    expect((await api('GET', path)).status).toBe(200)
    sandbox.admin.clock.advance(59_000)
    expect((await api('GET', path)).status).toBe(200)
    sandbox.admin.clock.advance(2_000)
    expect((await api('GET', path)).status).toBe(401)

    const fresh = client(sandbox, await login(sandbox))
    expect((await fresh('GET', path)).status).toBe(200)
  })

  it('keeps tokens for 24 hours by default', async () => {
    sandbox = await start()
    const api = client(sandbox, await login(sandbox))
    const path = `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`

    sandbox.admin.clock.advance(24 * HOUR - 60_000)
    expect((await api('GET', path)).status).toBe(200)
    sandbox.admin.clock.advance(2 * 60_000)
    expect((await api('GET', path)).status).toBe(401)
  })

  it('revokes every token on demand (in-process and over HTTP)', async () => {
    sandbox = await start()
    const path = `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`
    const first = client(sandbox, await login(sandbox))
    sandbox.admin.revokeTokens()
    expect((await first('GET', path)).status).toBe(401)

    const second = client(sandbox, await login(sandbox))
    expect((await second('GET', path)).status).toBe(200)
    expect((await adminCall(sandbox, 'POST', '/tokens/revoke')).status).toBe(200)
    expect((await second('GET', path)).status).toBe(401)
  })

  it('expires a token after N calls with faults.tokenExpiresEveryCalls', async () => {
    sandbox = await start({ faults: { tokenExpiresEveryCalls: 2 } })
    const path = `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`
    const api = client(sandbox, await login(sandbox))

    expect((await api('GET', path)).status).toBe(200)
    expect((await api('GET', path)).status).toBe(200)
    expect((await api('GET', path)).status).toBe(401)
    // Gone for good, like an expired token.
    expect((await api('GET', path)).status).toBe(401)

    const renewed = client(sandbox, await login(sandbox))
    expect((await renewed('GET', path)).status).toBe(200)
    const faulted = sandbox.admin.requests().filter((r) => r.fault === 'tokenExpiry')
    expect(faulted).toHaveLength(1)
    expect(faulted[0]).toMatchObject({ status: 401, operation: 'offerStates.list' })
  })
})

describe('sandbox responses', () => {
  it('carry a distinct X-Request-Id on every answer, including unknown routes', async () => {
    sandbox = await start()
    const api = client(sandbox, await login(sandbox))
    const answers = await Promise.all([
      api(
        'GET',
        `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`,
      ),
      api('GET', '/no/such/route'),
      api('GET', '/credentials/123'),
    ])
    expect(answers.map((a) => a.status)).toEqual([200, 404, 404])
    const ids = answers.map((a) => a.headers.get('x-request-id'))
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(new Set(ids).size).toBe(3)
  })

  it('puts the request id in the trace of api_error bodies', async () => {
    sandbox = await start()
    const api = client(sandbox, await login(sandbox))
    const answer = await api('GET', '/credentials/123')
    expect(answer.body).toEqual({ trace: answer.headers.get('x-request-id'), error: 'Credential not found' })
  })
})
