import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LedgerStatus, OfferKind } from '../../lib/ledger/types'
import type { HttpApi } from '../../local/runtime/httpApi'
import { startFunctionApi } from '../support/httpApi'
import { startTestSystem, type TestSystem } from '../support/system'

// Issue 13, case 7: a staff void reaches Sparkfly but its answer is lost (the sandbox voids, then answers 503,
// drops the connection or never answers). The same request retried must get 200 voided, not 409 "already voided".
// These tests failed before void intents (the retry got 409).

let system: TestSystem
let api: HttpApi
let token: string

beforeAll(async () => {
  system = await startTestSystem({
    env: { SPARKFLY_TIMEOUT_MS: '1000', POWERTOOLS_METRICS_DISABLED: 'true' },
  })
  api = await startFunctionApi('voidOffer')
  token = await api.mintStaffToken({ sub: 'staff-ana' })
})
afterEach(() => system.sandbox.admin.clearFaults())
afterAll(async () => {
  await api?.stop()
  await system?.stop()
})

const admin = () => system.sandbox.admin
const voidCalls = () => {
  const c = admin().counters()
  return c['offerStates.void'] + c['offerStates.voidByMemberIdentifier'] + c['credentials.void']
}

async function post(path: string, body: unknown, options: { key?: string; bearer?: string } = {}) {
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${options.bearer ?? token}`,
      ...(options.key ? { 'idempotency-key': options.key } : {}),
    },
    body: JSON.stringify(body),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

describe('staff void API: a lost answer, retried', () => {
  it.each(['apply-then-reset', 'apply-then-503', 'apply-then-hang'] as const)(
    '%s: the same Idempotency-Key gets 200 voided; Sparkfly voided once',
    async (fault) => {
      // given Sparkfly voids, but the answer is lost
      const entry = await system.issueCredential()
      const path = `/staff/credentials/${entry.id}/void`
      admin().resetCounters()
      admin().setFaults({ failNext: { status: fault, operation: 'credentials.void' } })
      const lost = await post(path, { reason: 'Fraud 17' }, { key: `key-${fault}` })
      expect(lost.status).toBeGreaterThanOrEqual(500)
      expect(admin().getCredential(Number(entry.id))?.status).toBe('voided')

      // when the same request is retried
      const retried = await post(path, { reason: 'Fraud 17' }, { key: `key-${fault}` })
      const again = await post(path, { reason: 'Fraud 17' }, { key: `key-${fault}` })

      // then it gets its void, recorded once, and the same answer after that
      expect(retried.status).toBe(200)
      expect(retried.body).toMatchObject({
        id: entry.id,
        status: 'voided',
        reason: 'Fraud 17',
        voidedBy: 'staff-ana',
      })
      expect(again).toEqual(retried)
      expect(voidCalls()).toBe(1)
      expect(await system.ledger.get(OfferKind.credential, entry.id)).toMatchObject({
        status: LedgerStatus.voided,
        voidReason: 'Fraud 17',
        changedBy: 'staff-ana',
      })
    },
  )

  it('gets 200 for the same request without a key (same staff member, offer and reason), an offer state', async () => {
    const entry = await system.issueOfferState()
    const path = `/staff/offer-states/${entry.id}/void`
    const body = { memberId: Number(entry.memberId), reason: 'Duplicate' }
    admin().setFaults({ failNext: { status: 'apply-then-reset', operation: 'offerStates.void' } })
    expect((await post(path, body)).status).toBeGreaterThanOrEqual(500)

    const retried = await post(path, body)

    expect(retried.status).toBe(200)
    expect(retried.body).toMatchObject({ id: entry.id, status: 'voided', reason: 'Duplicate' })
  })

  it('answers 409 to another staff member’s void after the lost answer', async () => {
    const entry = await system.issueCredential()
    const path = `/staff/credentials/${entry.id}/void`
    admin().setFaults({ failNext: { status: 'apply-then-503', operation: 'credentials.void' } })
    expect((await post(path, { reason: 'r' }, { key: 'k-ana' })).status).toBe(503)

    const other = await post(
      path,
      { reason: 'r' },
      { key: 'k-ben', bearer: await api.mintStaffToken({ sub: 'staff-ben' }) },
    )

    expect(other.status).toBe(409)
    expect(other.body).toMatchObject({ conflict: 'already_voided' })
  })
})
