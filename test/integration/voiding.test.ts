import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import { generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OfferCloudEvent } from '../../lib/events/outbound'
import { LedgerStatus, OfferKind } from '../../lib/ledger/types'
import type { HttpApi } from '../../local/runtime/httpApi'
import { lambdaContext } from '../support/events'
import { startFunctionApi } from '../support/httpApi'
import { startTestSystem, type TestSystem } from '../support/system'

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>

let system: TestSystem
let api: HttpApi
let handler: Handler
let token: string
const published: OfferCloudEvent[] = []

beforeAll(async () => {
  system = await startTestSystem()
  api = await startFunctionApi('voidOffer')
  token = await api.mintStaffToken({ sub: 'staff-ana', email: 'ana@example.com', scope: 'offers:void' })
  handler = (await import('../../functions/void-offer')).handler as unknown as Handler
})
afterAll(async () => {
  await api?.stop()
  await system?.stop()
})

const member = (i: number) => system.sandbox.fixtures.members[i] as { id: number; identifier: string }
const voidCalls = () => {
  const c = system.sandbox.admin.counters()
  return c['offerStates.void'] + c['offerStates.voidByMemberIdentifier'] + c['credentials.void']
}

async function post(
  path: string,
  body: unknown,
  options: { token?: string | null; idempotencyKey?: string } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const bearer = options.token === undefined ? token : options.token
  const response = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  }
}

/** offer.voided events published for `id` so far (the queue is drained into a shared list). */
async function voidedEventsFor(id: string): Promise<OfferCloudEvent[]> {
  for (const message of await system.drainQueue(system.aws.queues.offerEvents)) {
    published.push(JSON.parse(message.body) as OfferCloudEvent)
  }
  return published.filter((event) => event.type === 'offer.voided' && event.data.offer.id === id)
}

describe('staff void API: authentication', () => {
  it('declares every route behind the staffJwt authorizer', () => {
    expect(api.routes).toEqual(
      expect.arrayContaining([
        {
          routeKey: 'POST /staff/offer-states/{offerStateId}/void',
          functionKey: 'voidOffer',
          authorizer: 'staffJwt',
        },
        {
          routeKey: 'POST /staff/credentials/{credentialId}/void',
          functionKey: 'voidOffer',
          authorizer: 'staffJwt',
        },
        { routeKey: 'POST /staff/codes/{code}/void', functionKey: 'voidOffer', authorizer: 'staffJwt' },
      ]),
    )
  })

  it('refuses an anonymous call, a token signed by another key and one for another audience, voiding nothing', async () => {
    // given an issued credential and a token signed with a key the IdP never published
    const entry = await system.issueCredential()
    const { privateKey } = await generateKeyPair('ES256')
    const authorizer = api.authorizers.staffJwt as { issuer: string; audience: string[] }
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
      .setSubject('mallory')
      .setIssuer(authorizer.issuer)
      .setAudience(authorizer.audience[0] as string)
      .setExpirationTime('1h')
      .sign(privateKey)
    const otherAudience = await api.mintStaffToken({ sub: 'staff-ana', audience: 'some-other-api' })
    const before = voidCalls()

    // when / then
    const path = `/staff/credentials/${entry.id}/void`
    expect((await post(path, { reason: 'x' }, { token: null })).status).toBe(401)
    expect((await post(path, { reason: 'x' }, { token: forged })).status).toBe(401)
    expect((await post(path, { reason: 'x' }, { token: otherAudience })).status).toBe(401)
    expect(voidCalls()).toBe(before)
    expect((await system.ledger.get(OfferKind.credential, entry.id))?.status).toBe(LedgerStatus.issued)
  })

  it('requires the offers:void scope: the authorizer answers 403 to a token without it, voiding nothing', async () => {
    const entry = await system.issueCredential()
    const unscoped = await api.mintStaffToken({ sub: 'staff-ana', scope: '' })
    const reader = await api.mintStaffToken({ sub: 'staff-ana', scope: 'offers:read' })
    const before = voidCalls()

    const path = `/staff/credentials/${entry.id}/void`
    for (const bearer of [unscoped, reader]) {
      const response = await post(path, { reason: 'x' }, { token: bearer })
      expect([response.status, response.body]).toEqual([403, { message: 'Forbidden' }])
    }
    expect(voidCalls()).toBe(before)
    expect((await system.ledger.get(OfferKind.credential, entry.id))?.status).toBe(LedgerStatus.issued)
  })

  it('re-checks the scope in the handler itself: 403 problem+json for a verified token without offers:void', async () => {
    const entry = await system.issueCredential()
    const event = {
      version: '2.0',
      routeKey: 'POST /staff/credentials/{credentialId}/void',
      rawPath: `/staff/credentials/${entry.id}/void`,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      pathParameters: { credentialId: entry.id },
      requestContext: {
        requestId: 'no-scope',
        http: { method: 'POST' },
        authorizer: { jwt: { claims: { sub: 'staff-ana', scope: 'offers:read' }, scopes: ['offers:read'] } },
      },
      body: JSON.stringify({ reason: 'x' }),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2
    const before = voidCalls()

    const response = await handler(event, lambdaContext())

    expect(response.statusCode).toBe(403)
    expect(response.headers?.['content-type']).toBe('application/problem+json')
    expect(voidCalls()).toBe(before)
  })

  it('refuses, in the handler itself, an event that reached it without a verified subject', async () => {
    const entry = await system.issueCredential()
    const event = {
      version: '2.0',
      routeKey: 'POST /staff/credentials/{credentialId}/void',
      rawPath: `/staff/credentials/${entry.id}/void`,
      rawQueryString: '',
      headers: { 'content-type': 'application/json' },
      pathParameters: { credentialId: entry.id },
      requestContext: { requestId: 'no-authorizer', http: { method: 'POST' } },
      body: JSON.stringify({ reason: 'x' }),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2

    const response = await handler(event, lambdaContext())

    expect(response.statusCode).toBe(401)
    expect(response.headers?.['content-type']).toBe('application/problem+json')
    expect((await system.ledger.get(OfferKind.credential, entry.id))?.status).toBe(LedgerStatus.issued)
  })
})

describe('staff void API: voiding', () => {
  it('voids an offer state by id + member id: Sparkfly, ledger and offer.voided all say who and why', async () => {
    // given
    const entry = await system.issueOfferState({ memberId: member(0).id })

    // when
    const response = await post(`/staff/offer-states/${entry.id}/void`, {
      memberId: member(0).id,
      reason: 'Fraud ticket FR-1001',
    })

    // then
    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({
      kind: 'offerState',
      id: entry.id,
      status: 'voided',
      code: entry.code,
      member: { id: String(member(0).id) },
      reason: 'Fraud ticket FR-1001',
      voidedBy: 'staff-ana',
    })
    expect(system.sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('voided')
    expect(await system.ledger.get(OfferKind.offerState, entry.id)).toMatchObject({
      status: 'voided',
      voidReason: 'Fraud ticket FR-1001',
      changedBy: 'staff-ana',
    })
    const events = await voidedEventsFor(entry.id)
    expect(events).toHaveLength(1)
    expect(events[0]?.data).toMatchObject({
      reason: 'Fraud ticket FR-1001',
      changedBy: 'staff-ana',
      member: { id: String(member(0).id) },
    })
  })

  it('voids an offer state by id + member identifier through Sparkfly’s identifier endpoint', async () => {
    const entry = await system.issueOfferState({ memberId: member(1).id })
    system.sandbox.admin.resetCounters()

    const response = await post(`/staff/offer-states/${entry.id}/void`, {
      memberIdentifier: member(1).identifier,
      reason: 'Customer request',
    })

    expect(response.status).toBe(200)
    expect(system.sandbox.admin.counters()['offerStates.voidByMemberIdentifier']).toBe(1)
    expect(system.sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('voided')
  })

  it('voids a credential by id', async () => {
    const entry = await system.issueCredential()

    const response = await post(`/staff/credentials/${entry.id}/void`, { reason: 'Duplicate credential' })

    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ kind: 'credential', id: entry.id, status: 'voided' })
    expect(system.sandbox.admin.getCredential(Number(entry.id))?.status).toBe('voided')
  })

  it('voids by the code staff have in hand', async () => {
    const entry = await system.issueOfferState()

    const response = await post(`/staff/codes/${encodeURIComponent(entry.code ?? '')}/void`, {
      reason: 'Receipt stolen',
    })

    expect(response.status).toBe(200)
    expect(response.body).toMatchObject({ id: entry.id, code: entry.code, status: 'voided' })
    expect(system.sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('voided')
  })

  it('voids by code an offer issued elsewhere, found in Sparkfly, and records it in the ledger', async () => {
    // given an offer state the project never issued
    const foreign = system.sandbox.admin.createOfferState({
      memberId: member(2).id,
      campaignXid: system.sandbox.fixtures.campaigns.active.xid,
    })
    expect(await system.ledger.findByCode(foreign.credential_identifier)).toBeUndefined()

    // when
    const response = await post(`/staff/codes/${foreign.credential_identifier}/void`, {
      reason: 'Legacy offer',
    })

    // then
    expect(response.status).toBe(200)
    expect(system.sandbox.admin.getOfferState(foreign.offer_state_id)?.status).toBe('voided')
    expect(await system.ledger.get(OfferKind.offerState, String(foreign.offer_state_id))).toMatchObject({
      status: 'voided',
      code: foreign.credential_identifier,
      memberId: String(member(2).id),
      voidReason: 'Legacy offer',
      changedBy: 'staff-ana',
    })
    expect(await voidedEventsFor(String(foreign.offer_state_id))).toHaveLength(1)
  })
})

describe('staff void API: refusals', () => {
  it('answers 409 with the current state to a second void, and Sparkfly sees one void only', async () => {
    const entry = await system.issueOfferState()
    const path = `/staff/offer-states/${entry.id}/void`
    const body = { memberId: Number(entry.memberId), reason: 'first' }
    expect((await post(path, body)).status).toBe(200)
    system.sandbox.admin.resetCounters()

    const second = await post(path, { ...body, reason: 'second' })

    expect(second.status).toBe(409)
    expect(second.headers.get('content-type')).toBe('application/problem+json')
    expect(second.body).toMatchObject({
      status: 409,
      title: 'Offer already voided',
      conflict: 'already_voided',
      offer: { id: entry.id, status: 'voided', reason: 'first', voidedBy: 'staff-ana' },
    })
    expect(voidCalls()).toBe(0)
    expect(await voidedEventsFor(entry.id)).toHaveLength(1)
  })

  it('answers 409 with the redeemed state to a void after a redemption', async () => {
    // given an offer state redeemed at the till (Sparkfly and the ledger, as the webhook records it)
    const entry = await system.issueOfferState()
    await system.client.offerStates.redeem(String(entry.memberId), entry.id)
    await system.ledger.transition(OfferKind.offerState, entry.id, LedgerStatus.redeemed, {
      at: new Date().toISOString(),
    })
    // and one redeemed in Sparkfly the ledger has not heard of yet
    const unrecorded = await system.issueOfferState()
    await system.client.offerStates.redeem(String(unrecorded.memberId), unrecorded.id)
    system.sandbox.admin.resetCounters()

    const recorded = await post(`/staff/codes/${entry.code}/void`, { reason: 'late' })
    const refusedBySparkfly = await post(`/staff/codes/${unrecorded.code}/void`, { reason: 'late' })

    for (const response of [recorded, refusedBySparkfly]) {
      expect(response.status).toBe(409)
      expect(response.body).toMatchObject({ conflict: 'already_redeemed', offer: { status: 'redeemed' } })
    }
    expect(voidCalls()).toBe(1) // only the offer the ledger did not know was redeemed reached Sparkfly
    expect(system.sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('redeemed')
    expect(system.sandbox.admin.getOfferState(Number(unrecorded.id))?.status).toBe('redeemed')
  })

  it('answers 404 to unknown ids, codes and members', async () => {
    const entry = await system.issueOfferState({ memberId: member(0).id })

    const answers = [
      await post('/staff/offer-states/999999999/void', { memberId: member(0).id, reason: 'x' }),
      await post(`/staff/offer-states/${entry.id}/void`, { memberId: member(3).id, reason: 'x' }),
      await post(`/staff/offer-states/${entry.id}/void`, { memberIdentifier: 'nobody-here', reason: 'x' }),
      await post('/staff/credentials/999999999/void', { reason: 'x' }),
      await post('/staff/codes/NOSUCHCODE1/void', { reason: 'x' }),
    ]

    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404, 404])
    expect(answers[0]?.body).toMatchObject({
      title: 'Offer not found',
      detail: expect.stringContaining('999999999'),
    })
    expect(system.sandbox.admin.getOfferState(Number(entry.id))?.status).toBe('incomplete')
  })

  it('answers 400 naming the fields: missing reason, both member references, a non-numeric id', async () => {
    const missingReason = await post('/staff/credentials/123/void', {})
    const bothMembers = await post('/staff/offer-states/123/void', {
      memberId: 1,
      memberIdentifier: 'a',
      reason: 'r',
    })
    const badId = await post('/staff/credentials/12ab/void', { reason: 'r' })
    const notJson = await post('/staff/credentials/123/void', '{"reason":')

    expect(missingReason).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'reason', message: 'is required' }] },
    })
    expect(bothMembers.body.errors).toEqual([
      { field: 'memberIdentifier', message: 'give memberId or memberIdentifier, not both' },
    ])
    expect(badId.body.errors).toEqual([{ field: 'credentialId', message: 'must be a positive integer id' }])
    expect(notJson.status).toBe(400)
  })

  it('answers 503 with Retry-After when Sparkfly is unavailable, and the offer can be voided later', async () => {
    const entry = await system.issueCredential()
    system.sandbox.admin.setFaults({
      failNext: { status: 503, operation: 'credentials.void' },
      retryAfterSeconds: 7,
    })

    const unavailable = await post(`/staff/credentials/${entry.id}/void`, { reason: 'r' })
    const retried = await post(`/staff/credentials/${entry.id}/void`, { reason: 'r' })

    expect(unavailable.status).toBe(503)
    expect(unavailable.headers.get('retry-after')).toBe('7')
    expect(retried.status).toBe(200)
    system.sandbox.admin.clearFaults()
  })
})

describe('staff void API: Idempotency-Key', () => {
  it('replays the first answer to the same key and body, with one Sparkfly call', async () => {
    const entry = await system.issueCredential()
    system.sandbox.admin.resetCounters()

    const first = await post(
      `/staff/credentials/${entry.id}/void`,
      { reason: 'r' },
      { idempotencyKey: 'key-1' },
    )
    const replay = await post(
      `/staff/credentials/${entry.id}/void`,
      { reason: 'r' },
      { idempotencyKey: 'key-1' },
    )

    expect(first.status).toBe(200)
    expect(replay.status).toBe(200)
    expect(replay.body).toEqual(first.body)
    expect(system.sandbox.admin.counters()['credentials.void']).toBe(1)
  })

  it('refuses the same key with another body (422), and keys are per staff member', async () => {
    const entry = await system.issueCredential()
    const path = `/staff/credentials/${entry.id}/void`
    expect((await post(path, { reason: 'original' }, { idempotencyKey: 'key-2' })).status).toBe(200)

    const changed = await post(path, { reason: 'changed' }, { idempotencyKey: 'key-2' })
    const otherCredential = await post(
      '/staff/credentials/999999998/void',
      { reason: 'original' },
      { idempotencyKey: 'key-2' },
    )
    const otherStaff = await post(
      path,
      { reason: 'changed' },
      { idempotencyKey: 'key-2', token: await api.mintStaffToken({ sub: 'staff-ben' }) },
    )

    expect(changed.status).toBe(422)
    expect(changed.body).toMatchObject({ title: 'Idempotency key reused' })
    expect(otherCredential.status).toBe(422)
    expect(otherStaff.status).toBe(409) // not a replay of Ana's request: Ben's own void, refused as already voided
    expect(await system.ledger.get(OfferKind.credential, entry.id)).toMatchObject({
      voidReason: 'original',
      changedBy: 'staff-ana',
    })
  })

  it('replays a refusal too: a 409 stays the answer for its key', async () => {
    const entry = await system.issueCredential()
    await post(`/staff/credentials/${entry.id}/void`, { reason: 'r' })

    const refused = await post(
      `/staff/credentials/${entry.id}/void`,
      { reason: 'again' },
      { idempotencyKey: 'key-3' },
    )
    const replay = await post(
      `/staff/credentials/${entry.id}/void`,
      { reason: 'again' },
      { idempotencyKey: 'key-3' },
    )

    expect(refused.status).toBe(409)
    expect(replay.status).toBe(409)
    expect(replay.body.offer).toEqual(refused.body.offer)
  })
})
