import { afterEach, describe, expect, it } from 'vitest'
import type { Sandbox, SandboxOptions } from '../../../local/sandbox'
import { type Api, adminCall, issue, login, startWithClient } from './helpers'

let sandbox: Sandbox | undefined
let api: Api
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

async function setup(
  options: SandboxOptions = {},
): Promise<{ sandbox: Sandbox; api: Api; listPath: string }> {
  const started = await startWithClient(options)
  sandbox = started.sandbox
  api = started.api
  return { ...started, listPath: `/members/${started.sandbox.fixtures.members[0]!.id}/offer_states` }
}

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now()
  const result = await run()
  return { ms: performance.now() - started, result }
}

describe('injected HTTP faults', () => {
  it('answers 429 with Retry-After, then runs the next call normally', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 429 }, retryAfterSeconds: 7 })
    const limited = await api('GET', listPath)
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('7')
    expect(limited.body).toEqual({ trace: limited.headers.get('x-request-id'), error: 'Too many requests' })
    expect((await api('GET', listPath)).status).toBe(200)
  })

  it('answers 500 `count` times with failNext, and shows how many are left', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 500, count: 2 } })
    expect((await api('GET', listPath)).status).toBe(500)
    expect(sandbox.admin.faults().failNext?.count).toBe(1)
    expect((await api('GET', listPath)).status).toBe(500)
    expect(sandbox.admin.faults().failNext).toBeUndefined()
    expect((await api('GET', listPath)).status).toBe(200)
  })

  it('answers 503 with Retry-After (default 1 second)', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 503 } })
    const answer = await api('GET', listPath)
    expect(answer.status).toBe(503)
    expect(answer.headers.get('retry-after')).toBe('1')
    expect(answer.headers.get('x-sandbox-fault')).toBe('503')
  })

  it('limits failNext to one operation when told', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 500, operation: 'offerStates.issue' } })
    expect((await api('GET', listPath)).status).toBe(200)
    const xid = sandbox.fixtures.campaigns.active.xid
    const member_id = sandbox.fixtures.members[0]!.id
    const failed = await api('POST', '/members/offer_states/issue', {
      offer_state: { campaign_id: xid, member_id },
    })
    expect(failed.status).toBe(500)
    expect(
      (await api('POST', '/members/offer_states/issue', { offer_state: { campaign_id: xid, member_id } }))
        .status,
    ).toBe(201)
  })

  it('decides faults before the operation runs: a failed issue or redeem changed nothing', async () => {
    const { sandbox } = await setup()
    const xid = sandbox.fixtures.campaigns.active.xid
    const member = sandbox.fixtures.members[0]!
    sandbox.admin.setFaults({ failNext: { status: 500, operation: 'offerStates.issue' } })
    const failed = await api('POST', '/members/offer_states/issue', {
      offer_state: { campaign_id: xid, member_id: member.id },
    })
    expect(failed.status).toBe(500)
    expect(sandbox.admin.offerStates()).toHaveLength(0)

    const os = await issue(api, { campaign_id: xid, member_id: member.id })
    sandbox.admin.setFaults({ failNext: { status: 503, operation: 'offerStates.redeem' } })
    expect((await api('POST', `/members/${member.id}/offer_states/${os.id}`)).status).toBe(503)
    expect(sandbox.admin.getOfferState(os.id)?.status).toBe('incomplete')
    // The retry is the first redeem the sandbox saw, so it succeeds.
    expect((await api('POST', `/members/${member.id}/offer_states/${os.id}`)).status).toBe(200)
  })

  it('drops the connection: fetch rejects and nothing is answered', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 'drop' } })
    await expect(api('GET', listPath)).rejects.toThrow(TypeError)
    expect(sandbox.admin.requests().at(-1)).toMatchObject({
      fault: 'drop',
      status: 0,
      operation: 'offerStates.list',
    })
    expect((await api('GET', listPath)).status).toBe(200)
  })

  it('hangs until the client gives up (AbortSignal.timeout), and a hung void changed nothing', async () => {
    const { sandbox } = await setup()
    const member = sandbox.fixtures.members[0]!
    const os = await issue(api, { campaign_id: sandbox.fixtures.campaigns.active.xid, member_id: member.id })
    sandbox.admin.setFaults({ failNext: { status: 'hang' } })
    const { ms, result } = await timed(() =>
      api('POST', `/members/${member.id}/offer_states/${os.id}/void`, undefined, {
        signal: AbortSignal.timeout(300),
      }).then(
        () => 'answered',
        (error: Error) => error.name,
      ),
    )
    expect(result).toBe('TimeoutError')
    expect(ms).toBeGreaterThanOrEqual(280)
    expect(sandbox.admin.getOfferState(os.id)?.status).toBe('incomplete')
    expect((await api('POST', `/members/${member.id}/offer_states/${os.id}/void`)).status).toBe(200)
  })

  it('closes hung requests on stop()', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 'hang' } })
    const pending = api('GET', listPath).then(
      () => 'answered',
      () => 'rejected',
    )
    while (!sandbox.admin.requests().some((r) => r.fault === 'hang'))
      await new Promise((r) => setTimeout(r, 10))
    const { ms } = await timed(() => sandbox.stop())
    expect(ms).toBeLessThan(2000)
    expect(await pending).toBe('rejected')
  })

  it('injects faults at the configured rates, restricted to the listed operations', async () => {
    const { sandbox, listPath } = await setup({
      faults: { rates: { '500': 1 }, operations: ['offerStates.query'] },
    })
    expect((await api('GET', listPath)).status).toBe(200)
    expect((await api('GET', '/members/offer_states?external_ref_id=x')).status).toBe(500)
    sandbox.admin.clearFaults()
    expect((await api('GET', '/members/offer_states?external_ref_id=x')).status).toBe(404)
  })

  it('replays the same random faults for the same seed', async () => {
    const run = async () => {
      const { sandbox, listPath } = await setup({ faults: { rates: { '503': 0.5 }, seed: 42 } })
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) statuses.push((await api('GET', listPath)).status)
      await sandbox.stop()
      return statuses
    }
    const first = await run()
    const second = await run()
    expect(second).toEqual(first)
    expect(first).toContain(503)
    expect(first).toContain(200)
  })

  it('applies faults to every API route including /auth, never to /_sandbox admin routes', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setFaults({ rates: { '500': 1 } })
    expect((await api('GET', listPath)).status).toBe(500)
    await expect(login(sandbox)).rejects.toThrow('login failed with 500')
    expect((await adminCall(sandbox, 'GET', '/state')).status).toBe(200)
    expect((await adminCall(sandbox, 'GET', '/counters')).status).toBe(200)
  })

  it('refuses an invalid fault spec', async () => {
    const { sandbox } = await setup()
    expect(() => sandbox.admin.setFaults({ rates: { '500': 2 } })).toThrow(RangeError)
    const answer = await adminCall(sandbox, 'PUT', '/faults', { failNext: { status: 404 } })
    expect(answer.status).toBe(400)
    expect(answer.body.error).toMatch(/failNext.status/)
  })
})

describe('lost answers: the operation runs, then its answer is lost', () => {
  const issuePath = '/members/offer_states/issue'
  const issueBody = (sandbox: Sandbox) => ({
    offer_state: {
      campaign_id: sandbox.fixtures.campaigns.active.xid,
      member_id: sandbox.fixtures.members[0]!.id,
    },
  })

  it('apply-then-503: the offer state exists, the client got 503 with Retry-After', async () => {
    const { sandbox } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 'apply-then-503', operation: 'offerStates.issue' } })
    const answer = await api('POST', issuePath, issueBody(sandbox))
    expect(answer.status).toBe(503)
    expect(answer.headers.get('retry-after')).toBe('1')
    expect(answer.headers.get('x-sandbox-fault')).toBe('503')
    expect(sandbox.admin.offerStates()).toHaveLength(1)
    expect(sandbox.admin.requests().at(-1)).toMatchObject({
      operation: 'offerStates.issue',
      status: 503,
      fault: 'apply-then-503',
      appliedStatus: 201,
    })
  })

  it('apply-then-reset: the redeem took effect, the connection was destroyed without an answer', async () => {
    const { sandbox } = await setup()
    const member = sandbox.fixtures.members[0]!
    const os = await issue(api, { campaign_id: sandbox.fixtures.campaigns.active.xid, member_id: member.id })
    sandbox.admin.setFaults({ failNext: { status: 'apply-then-reset', operation: 'offerStates.redeem' } })
    await expect(api('POST', `/members/${member.id}/offer_states/${os.id}`)).rejects.toThrow(TypeError)
    expect(sandbox.admin.getOfferState(os.id)?.status).toBe('redeemed')
    expect(sandbox.admin.requests().at(-1)).toMatchObject({
      status: 0,
      fault: 'apply-then-reset',
      appliedStatus: 200,
    })
    // What a blind replay meets: Sparkfly's "already redeemed".
    expect((await api('POST', `/members/${member.id}/offer_states/${os.id}`)).status).toBe(422)
  })

  it('apply-then-hang: the void took effect, the answer never came before the client timeout', async () => {
    const { sandbox } = await setup()
    const member = sandbox.fixtures.members[0]!
    const os = await issue(api, { campaign_id: sandbox.fixtures.campaigns.active.xid, member_id: member.id })
    sandbox.admin.setFaults({ failNext: { status: 'apply-then-hang', operation: 'offerStates.void' } })
    const result = await api('POST', `/members/${member.id}/offer_states/${os.id}/void`, undefined, {
      signal: AbortSignal.timeout(300),
    }).then(
      () => 'answered',
      (error: Error) => error.name,
    )
    expect(result).toBe('TimeoutError')
    expect(sandbox.admin.getOfferState(os.id)?.status).toBe('voided')
    expect(sandbox.admin.requests().at(-1)).toMatchObject({
      status: 0,
      fault: 'apply-then-hang',
      appliedStatus: 200,
    })
  })

  it('reset (not applied): the connection is destroyed before the issue runs', async () => {
    const { sandbox } = await setup()
    sandbox.admin.setFaults({ failNext: { status: 'reset', operation: 'offerStates.issue' } })
    await expect(api('POST', issuePath, issueBody(sandbox))).rejects.toThrow(TypeError)
    expect(sandbox.admin.offerStates()).toHaveLength(0)
    expect(sandbox.admin.requests().at(-1)).toMatchObject({ status: 0, fault: 'reset' })
    expect(sandbox.admin.requests().at(-1)?.appliedStatus).toBeUndefined()
  })

  it('rolls lost answers by share per operation, seeded: same seed, same faults; other operations untouched', async () => {
    const run = async () => {
      const { sandbox, listPath } = await setup({
        faults: {
          seed: 11,
          rates: { '500': 1 },
          operations: ['offerStates.query'],
          perOperation: { 'offerStates.issue': { 'apply-then-503': 0.3, '503': 0.3 } },
        },
      })
      const statuses: number[] = []
      for (let i = 0; i < 30; i++) statuses.push((await api('POST', issuePath, issueBody(sandbox))).status)
      expect((await api('GET', listPath)).status).toBe(200)
      const faults = sandbox.admin.requests().map((r) => r.fault ?? 'none')
      const created = sandbox.admin.offerStates().length
      await sandbox.stop()
      return { statuses, faults, created }
    }
    const first = await run()
    const second = await run()
    expect(second).toEqual(first)
    const applied503 = first.faults.filter((f) => f === 'apply-then-503').length
    const plain503 = first.faults.filter((f) => f === 503).length
    expect(applied503).toBeGreaterThan(0)
    expect(plain503).toBeGreaterThan(0)
    // Every 201 and every apply-then-503 made an offer state; a plain 503 made none.
    expect(first.created).toBe(first.statuses.filter((s) => s === 201).length + applied503)
  })

  it('takes the lost-answer kinds in the admin HTTP API and refuses bad per-operation rates', async () => {
    const { sandbox } = await setup()
    const spec = {
      perOperation: { 'credentials.redeem': { 'apply-then-reset': 0.05, reset: 0.05 } },
      seed: 3,
    }
    const put = await adminCall(sandbox, 'PUT', '/faults', spec)
    expect(put.status).toBe(200)
    expect(put.body).toEqual(spec)
    const unknown = await adminCall(sandbox, 'PUT', '/faults', { perOperation: { nope: { reset: 0.1 } } })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toMatch(/unknown operation nope/)
    expect(() =>
      sandbox.admin.setFaults({
        perOperation: { 'offerStates.issue': { 'apply-then-hang': 0.6, hang: 0.6 } },
      }),
    ).toThrow(/perOperation.offerStates.issue add up to more than 1/)
  })

  it('onApplied runs after the operation and before the answer leaves; the answer waits for it', async () => {
    let release: () => void = () => {}
    const seen: Array<{ operation: string; appliedStatus?: number; inStore: number }> = []
    const { sandbox } = await setup({
      onApplied: (entry) => {
        if (entry.operation !== 'offerStates.issue') return
        seen.push({
          operation: entry.operation,
          appliedStatus: entry.appliedStatus,
          inStore: sandbox.admin.offerStates().length,
        })
        return new Promise<void>((resolve) => {
          release = resolve
        })
      },
    })
    let answered = false
    const pending = api('POST', issuePath, issueBody(sandbox)).then((a) => {
      answered = true
      return a
    })
    while (seen.length === 0) await new Promise((r) => setTimeout(r, 5))
    expect(seen[0]).toEqual({ operation: 'offerStates.issue', appliedStatus: 201, inStore: 1 })
    await new Promise((r) => setTimeout(r, 50))
    expect(answered).toBe(false)
    release()
    expect((await pending).status).toBe(201)
  })
})

describe('token revocation', () => {
  it('a revoked token answers 401 from now on (logged as tokenRevoked); other and new tokens still work', async () => {
    const { sandbox, listPath } = await setup()
    const other = await login(sandbox)
    expect(sandbox.admin.revokeToken(api.token)).toBe(true)
    expect((await api('GET', listPath)).status).toBe(401)
    expect((await api('GET', listPath)).status).toBe(401)
    expect(sandbox.admin.requests().at(-1)).toMatchObject({ status: 401, fault: 'tokenRevoked' })
    const withOther = await fetch(`${sandbox.url}${listPath}`, { headers: { 'X-Auth-Token': other } })
    expect(withOther.status).toBe(200)
    const fresh = await login(sandbox)
    expect((await fetch(`${sandbox.url}${listPath}`, { headers: { 'X-Auth-Token': fresh } })).status).toBe(
      200,
    )
  })

  it('revokes one token over HTTP (404 for an unknown one), or every token without a body', async () => {
    const { sandbox, listPath } = await setup()
    const other = await login(sandbox)
    expect((await adminCall(sandbox, 'POST', '/tokens/revoke', { token: 'not-a-token' })).status).toBe(404)
    expect((await adminCall(sandbox, 'POST', '/tokens/revoke', { token: other })).status).toBe(200)
    expect((await fetch(`${sandbox.url}${listPath}`, { headers: { 'X-Auth-Token': other } })).status).toBe(
      401,
    )
    expect((await api('GET', listPath)).status).toBe(200)
    expect((await adminCall(sandbox, 'POST', '/tokens/revoke')).status).toBe(200)
    expect((await api('GET', listPath)).status).toBe(401)
  })
})

describe('rate limit', () => {
  it('answers 429 + Retry-After beyond N requests per second, then lets calls through again', async () => {
    const { sandbox, listPath } = await setup()
    sandbox.admin.setRateLimit(3)
    const burst = await Promise.all(Array.from({ length: 5 }, () => api('GET', listPath)))
    const statuses = burst.map((a) => a.status).sort()
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    const limited = burst.find((a) => a.status === 429)!
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(limited.headers.get('x-sandbox-fault')).toBe('rate-limit')
    expect(sandbox.admin.requests().filter((r) => r.fault === 'rateLimit')).toHaveLength(2)

    await new Promise((r) => setTimeout(r, 1100))
    expect((await api('GET', listPath)).status).toBe(200)
  })
})

describe('latency', () => {
  it('delays every API answer by a fixed 100 ms', async () => {
    const { sandbox, listPath } = await setup()
    const { ms: before } = await timed(() => api('GET', listPath))
    sandbox.admin.setLatency({ fixedMs: 100 })
    const { ms, result } = await timed(() => api('GET', listPath))
    expect(result.status).toBe(200)
    expect(ms).toBeGreaterThanOrEqual(95)
    expect(before).toBeLessThan(ms)
    // Admin routes are never delayed.
    const { ms: adminMs } = await timed(() => adminCall(sandbox, 'GET', '/clock'))
    expect(adminMs).toBeLessThan(95)
  })

  it('delays only the named operation with perOperation, randomly within min/max', async () => {
    const { listPath } = await setup({
      latency: { perOperation: { 'offerStates.query': { minMs: 150, maxMs: 200 } } },
    })
    const slow = await timed(() => api('GET', '/members/offer_states?external_ref_id=none'))
    expect(slow.result.status).toBe(404)
    expect(slow.ms).toBeGreaterThanOrEqual(145)
    const fast = await timed(() => api('GET', listPath))
    expect(fast.ms).toBeLessThan(slow.ms)
  })
})
