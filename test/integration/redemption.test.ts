import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { parse } from 'yaml'
import type { OfferCloudEvent } from '../../lib/events/outbound'
import { LedgerStatus, OfferKind } from '../../lib/ledger/types'
import { signWebhook } from '../../lib/webhooks'
import { type HttpApi, startHttpApi } from '../../local/runtime/httpApi'
import {
  type FunctionConfig,
  handlerResolver,
  loadServerlessConfig,
  type ServerlessConfig,
} from '../../local/runtime/serverlessConfig'
import { newWebhookSecret, startTestSystem, type TestSystem } from '../support/system'

const ROOT = resolve(__dirname, '../..')
const HOUR_MS = 3_600_000

let system: TestSystem
let config: ServerlessConfig
let redeemWebhook: FunctionConfig
let api: HttpApi
let secret: string
const published: OfferCloudEvent[] = []
const extraApis: HttpApi[] = []

/** The local HTTP API serving serverless.yml's redeemWebhook routes; `fresh` loads the handler in a new "container". */
async function serveWebhook(options: { fresh?: boolean } = {}): Promise<HttpApi> {
  if (options.fresh) vi.resetModules()
  return startHttpApi({
    config: { functions: [redeemWebhook], authorizers: config.authorizers },
    resolveHandler: handlerResolver({ rootDir: ROOT, importModule: (path) => import(path) }),
  })
}

beforeAll(async () => {
  system = await startTestSystem({
    env: { SPARKFLY_TIMEOUT_MS: '1000', POWERTOOLS_METRICS_DISABLED: 'true' },
  })
  secret = system.webhookSecrets[0] as string
  config = loadServerlessConfig({ rootDir: ROOT, stage: 'test', env: {} })
  const fn = config.functions.find((f) => f.key === 'redeemWebhook')
  if (!fn) throw new Error('serverless.yml declares no redeemWebhook function')
  redeemWebhook = fn
  api = await serveWebhook()
})
afterEach(() => {
  system.sandbox.admin.clearFaults()
  system.sandbox.admin.setLatency({})
})
afterAll(async () => {
  await Promise.allSettled([api?.stop(), ...extraApis.map((extra) => extra.stop())])
  await system?.stop()
})

interface Delivery {
  /** The body as JSON (or exact text when a string). */
  body: unknown
  secrets?: string[]
  id?: string
  timestamp?: number
  /** Header values that replace (or with `null`, remove) the signed ones. */
  headers?: Record<string, string | null>
  /** Sends this text instead of the signed body (tampering). */
  sentBody?: string
  via?: HttpApi
}

interface Answer {
  status: number
  headers: Headers
  text: string
  body: Record<string, unknown>
}

/** POSTs a Standard Webhooks–signed delivery to /pos/redemptions over HTTP. */
async function deliver(delivery: Delivery): Promise<Answer> {
  const text = typeof delivery.body === 'string' ? delivery.body : JSON.stringify(delivery.body)
  const id = delivery.id ?? `msg_${randomUUID()}`
  const timestamp = delivery.timestamp ?? Math.floor(Date.now() / 1000)
  const signature = (delivery.secrets ?? [secret])
    .map((s) => signWebhook({ secret: s, id, timestamp, body: text }))
    .join(' ')
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature,
  }
  for (const [name, value] of Object.entries(delivery.headers ?? {})) {
    if (value === null) delete headers[name]
    else headers[name] = value
  }
  const response = await fetch(`${(delivery.via ?? api).url}/pos/redemptions`, {
    method: 'POST',
    headers,
    body: delivery.sentBody ?? text,
  })
  const answer = await response.text()
  return {
    status: response.status,
    headers: response.headers,
    text: answer,
    body: (answer ? JSON.parse(answer) : {}) as Record<string, unknown>,
  }
}

const admin = () => system.sandbox.admin
const member = (i: number) => system.sandbox.fixtures.members[i] as { id: number; identifier: string }
const counter = (operation: string) =>
  admin().counters()[operation as keyof ReturnType<typeof admin>['counters']]
const redeemCalls = () => counter('offerStates.redeem') + counter('credentials.redeem')
const transaction = () => `T-${randomUUID().slice(0, 8)}`

/** offer.redeemed events published for `id` so far (the queue is drained into a shared list). */
async function redeemedEventsFor(id: string): Promise<OfferCloudEvent[]> {
  for (const message of await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 200 })) {
    published.push(JSON.parse(message.body) as OfferCloudEvent)
  }
  return published.filter((event) => event.type === 'offer.redeemed' && event.data.offer.id === id)
}

/** Live answers, by the name of the docs/openapi/pos-redemptions.yaml example they must look like. */
const live = new Map<string, Answer>()
const record = (example: string, answer: Answer) => {
  live.set(example, answer)
  return answer
}

function expectProblem(answer: Answer, status: number): void {
  expect(answer.status).toBe(status)
  expect(answer.headers.get('content-type')).toBe('application/problem+json')
  expect(answer.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) })
}

describe('POST /pos/redemptions: route', () => {
  it('is declared in serverless.yml for redeemWebhook, with no JWT authorizer (the signature is the auth)', () => {
    expect(api.routes).toEqual([{ routeKey: 'POST /pos/redemptions', functionKey: 'redeemWebhook' }])
  })
})

describe('POST /pos/redemptions: signature', () => {
  it('accepts a valid signature among several v1 entries', async () => {
    const entry = await system.issueOfferState()

    const answer = await deliver({
      body: { code: entry.code, transactionId: transaction() },
      secrets: [newWebhookSecret(), secret],
    })

    expect(answer.status).toBe(200)
    expect(admin().getOfferState(Number(entry.id))?.status).toBe('redeemed')
  })

  const now = () => Math.floor(Date.now() / 1000)
  const refusals: Array<[string, (code: string) => Delivery, string]> = [
    [
      'wrong secret',
      (code) => ({ body: { code, transactionId: 'T-1' }, secrets: [newWebhookSecret()] }),
      'invalid_signature',
    ],
    [
      'tampered body',
      (code) => ({
        body: { code: 'SOMEOTHERCODE', transactionId: 'T-1' },
        sentBody: JSON.stringify({ code, transactionId: 'T-1' }),
      }),
      'invalid_signature',
    ],
    [
      'tampered id',
      (code) => ({
        body: { code, transactionId: 'T-1' },
        id: 'msg_signed',
        headers: { 'webhook-id': 'msg_sent' },
      }),
      'invalid_signature',
    ],
    [
      'stale (5 min + 1 s old)',
      (code) => ({ body: { code, transactionId: 'T-1' }, timestamp: now() - 301 }),
      'stale_timestamp',
    ],
    [
      'future (5 min + 1 s ahead)',
      (code) => ({ body: { code, transactionId: 'T-1' }, timestamp: now() + 301 }),
      'future_timestamp',
    ],
    [
      'missing webhook-id',
      (code) => ({ body: { code, transactionId: 'T-1' }, headers: { 'webhook-id': null } }),
      'missing_headers',
    ],
    [
      'missing webhook-timestamp',
      (code) => ({ body: { code, transactionId: 'T-1' }, headers: { 'webhook-timestamp': null } }),
      'missing_headers',
    ],
    [
      'missing webhook-signature',
      (code) => ({ body: { code, transactionId: 'T-1' }, headers: { 'webhook-signature': null } }),
      'missing_headers',
    ],
    [
      'malformed webhook-signature',
      (code) => ({
        body: { code, transactionId: 'T-1' },
        headers: { 'webhook-signature': 'v1,not-base64!' },
      }),
      'malformed_headers',
    ],
    [
      'malformed webhook-timestamp',
      (code) => ({
        body: { code, transactionId: 'T-1' },
        headers: { 'webhook-timestamp': '2025-01-01T00:00:00Z' },
      }),
      'malformed_headers',
    ],
  ]

  it.each(refusals)(
    'refuses %s with 401 problem+json and calls Sparkfly not at all',
    async (_name, make, reason) => {
      // given a redeemable offer, so a request that got through would redeem it
      const entry = await system.issueOfferState()
      admin().resetCounters()

      // when
      const answer = await deliver(make(entry.code as string))
      if (reason === 'invalid_signature') record('invalidSignature', answer)

      // then
      expectProblem(answer, 401)
      expect(answer.body).toMatchObject({ title: 'Invalid webhook signature', reason })
      expect(answer.headers.get('www-authenticate')).toBe('Webhook-Signature realm="pos-redemptions"')
      expect(admin().requests()).toEqual([])
      expect(admin().getOfferState(Number(entry.id))?.status).toBe('incomplete')
      expect((await system.ledger.get(OfferKind.offerState, entry.id))?.status).toBe(LedgerStatus.issued)
    },
  )

  it('accepts old and new secrets during a rotation, at once on a warm container, and refuses a removed one', async () => {
    const secretId = system.aws.secretIds.webhook
    const next = newWebhookSecret()
    try {
      // given a warm container that has cached the current secret
      const warm = await serveWebhook({ fresh: true })
      extraApis.push(warm)
      const [a, b, c] = [
        await system.issueOfferState(),
        await system.issueOfferState(),
        await system.issueCredential(),
      ]
      expect(
        (await deliver({ body: { code: a.code, transactionId: transaction() }, via: warm })).status,
      ).toBe(200)

      // when the operator adds the new secret and the POS switches to it
      system.aws.secretsManager.put(secretId, { secrets: [secret, next] })
      const signedWithNew = await deliver({
        body: { code: b.code, transactionId: transaction() },
        secrets: [next],
        via: warm,
      })
      const signedWithOld = await deliver({
        body: { code: c.code, transactionId: transaction() },
        secrets: [secret],
        via: warm,
      })

      // then both are accepted without waiting for the cache
      expect(signedWithNew.status).toBe(200)
      expect(signedWithOld.status).toBe(200)

      // when the operator removes the old secret (seen by a new container, or a warm one after its 5 min cache)
      system.aws.secretsManager.put(secretId, { secrets: [next] })
      const later = await serveWebhook({ fresh: true })
      extraApis.push(later)
      const d = await system.issueOfferState()
      admin().resetCounters()
      const removed = await deliver({
        body: { code: d.code, transactionId: transaction() },
        secrets: [secret],
        via: later,
      })

      // then the removed secret is refused and nothing reaches Sparkfly; the new one still works
      expectProblem(removed, 401)
      expect(removed.body.reason).toBe('invalid_signature')
      expect(admin().requests()).toEqual([])
      const kept = await deliver({
        body: { code: d.code, transactionId: transaction() },
        secrets: [next],
        via: later,
      })
      expect(kept.status).toBe(200)
    } finally {
      system.aws.secretsManager.put(secretId, { secrets: [secret] })
    }
  })
})

describe('POST /pos/redemptions: answers', () => {
  it('redeems an offer state: 200, Sparkfly redeemed, ledger redeemed, offer.redeemed published', async () => {
    // given
    const entry = await system.issueOfferState({ memberId: member(1).id })
    admin().resetCounters()
    const webhookId = `msg_${randomUUID()}`
    const transactionId = transaction()

    // when
    const answer = record(
      'offerStateRedeemed',
      await deliver({
        id: webhookId,
        body: { code: entry.code, transactionId, storeId: 'store-7', memberId: member(1).id },
      }),
    )

    // then
    expect(answer.status).toBe(200)
    expect(answer.headers.get('content-type')).toBe('application/json')
    expect(answer.body).toMatchObject({
      status: 'redeemed',
      kind: 'offerState',
      offerState: { id: entry.id, code: entry.code, status: 'redeemed' },
      member: { id: String(member(1).id) },
      offer: { campaignId: entry.campaignId },
      redeemedAt: expect.any(String),
      transactionId,
      storeId: 'store-7',
      replayed: false,
    })
    expect(counter('offerStates.redeem')).toBe(1)
    expect(counter('offerStates.query')).toBe(0)
    expect(admin().getOfferState(Number(entry.id))?.status).toBe('redeemed')
    expect(await system.ledger.get(OfferKind.offerState, entry.id)).toMatchObject({
      status: LedgerStatus.redeemed,
      transactionId,
      storeId: 'store-7',
      changedBy: `pos-webhook:${webhookId}`,
    })
    const events = await redeemedEventsFor(entry.id)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      type: 'offer.redeemed',
      data: {
        offer: { kind: 'offerState', id: entry.id, status: 'redeemed', code: entry.code },
        member: { id: String(member(1).id) },
        sourceId: webhookId,
        transactionId,
        storeId: 'store-7',
      },
    })
  })

  it('redeems a credential by its code', async () => {
    const entry = await system.issueCredential()
    admin().resetCounters()

    const answer = record(
      'credentialRedeemed',
      await deliver({ body: { code: entry.code, transactionId: transaction() } }),
    )

    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      kind: 'credential',
      credential: { id: entry.id, code: entry.code, status: 'redeemed' },
    })
    expect(counter('credentials.redeem')).toBe(1)
    expect(admin().getCredential(Number(entry.id))?.status).toBe('redeemed')
    expect((await system.ledger.get(OfferKind.credential, entry.id))?.status).toBe(LedgerStatus.redeemed)
    expect(await redeemedEventsFor(entry.id)).toHaveLength(1)
  })

  it('redeems a code issued outside the project, found through a Sparkfly query, and records it', async () => {
    // given an offer state the ledger has never seen
    const foreign = admin().createOfferState({
      memberId: member(2).id,
      campaignXid: system.sandbox.fixtures.campaigns.active.xid,
    })
    expect(await system.ledger.findByCode(foreign.credential_identifier)).toBeUndefined()
    admin().resetCounters()

    // when
    const answer = await deliver({
      body: { code: foreign.credential_identifier, transactionId: transaction() },
    })

    // then
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      kind: 'offerState',
      offerState: { id: String(foreign.offer_state_id), status: 'redeemed' },
      member: { id: String(member(2).id) },
    })
    expect(counter('offerStates.query')).toBe(1)
    expect(counter('offerStates.redeem')).toBe(1)
    expect(admin().getOfferState(foreign.offer_state_id)?.status).toBe('redeemed')
    expect(await system.ledger.get(OfferKind.offerState, String(foreign.offer_state_id))).toMatchObject({
      status: LedgerStatus.redeemed,
      code: foreign.credential_identifier,
      sourceId: 'external:sparkfly',
    })
    expect(await redeemedEventsFor(String(foreign.offer_state_id))).toHaveLength(1)
  })

  it('answers 400 naming the invalid fields, and 400 to malformed JSON, without calling Sparkfly', async () => {
    admin().resetCounters()

    const invalid = record(
      'invalidBody',
      await deliver({ body: { code: 'has space', transactionId: 42, memberId: -1, till: 3 } }),
    )
    const notJson = record('malformedJson', await deliver({ body: '{"code": "K7Q2' }))

    expectProblem(invalid, 400)
    expect(invalid.body).toMatchObject({ title: 'Invalid request body', reason: 'invalid_body' })
    const fields = (invalid.body.errors as Array<{ field: string }>).map((e) => e.field).sort()
    expect(fields).toEqual(['code', 'memberId', 'till', 'transactionId'])
    expectProblem(notJson, 400)
    expect(admin().requests()).toEqual([])
  })

  it('answers 413 to a body over the limit, before anything else', async () => {
    admin().resetCounters()

    const answer = record(
      'payloadTooLarge',
      await deliver({ body: { code: 'A1', transactionId: 'T-1', storeId: 'x'.repeat(17 * 1024) } }),
    )

    expectProblem(answer, 413)
    expect(admin().requests()).toEqual([])
  })

  it('answers 404 to an unknown code after one Sparkfly query, redeeming nothing', async () => {
    admin().resetCounters()

    const answer = record(
      'notFound',
      await deliver({ body: { code: 'NOSUCHCODE1', transactionId: transaction() } }),
    )

    expectProblem(answer, 404)
    expect(answer.body).toMatchObject({ title: 'Offer not found', reason: 'not_found' })
    expect(counter('offerStates.query')).toBe(1)
    expect(redeemCalls()).toBe(0)
  })

  it('answers 409 with the current state to a code already redeemed at another till, redeeming nothing', async () => {
    // given a code redeemed through the webhook by transaction T-first
    const entry = await system.issueOfferState()
    const first = transaction()
    expect((await deliver({ body: { code: entry.code, transactionId: first, storeId: 9 } })).status).toBe(200)
    admin().resetCounters()

    // when another transaction scans it
    const answer = record(
      'alreadyRedeemed',
      await deliver({ body: { code: entry.code, transactionId: transaction() } }),
    )

    // then
    expectProblem(answer, 409)
    expect(answer.body).toMatchObject({
      title: 'Offer already redeemed',
      reason: 'already_redeemed',
      current: { kind: 'offerState', id: entry.id, status: 'redeemed', transactionId: first, storeId: '9' },
    })
    expect(redeemCalls()).toBe(0)
  })

  it('answers 200 replayed to the same POS transaction retried under a new webhook-id, redeeming nothing twice', async () => {
    const entry = await system.issueCredential()
    const transactionId = transaction()
    const first = await deliver({ body: { code: entry.code, transactionId } })
    admin().resetCounters()

    const retried = await deliver({ body: { code: entry.code, transactionId } })

    expect(first.status).toBe(200)
    expect(retried.status).toBe(200)
    // the same redemption (the offer's display name is not kept in the ledger, so a replay may omit offer.name)
    expect(retried.body).toMatchObject({
      kind: 'credential',
      credential: first.body.credential,
      member: first.body.member,
      redeemedAt: first.body.redeemedAt,
      transactionId,
      replayed: true,
    })
    expect(redeemCalls()).toBe(0)
  })

  it('answers 409 voided with the current state when Sparkfly says the offer was voided', async () => {
    // given an offer state voided at Sparkfly that the ledger still thinks is issued
    const entry = await system.issueOfferState()
    await system.client.offerStates.void(String(entry.memberId), entry.id)
    admin().resetCounters()

    const answer = record(
      'voided',
      await deliver({ body: { code: entry.code, transactionId: transaction() } }),
    )

    expectProblem(answer, 409)
    expect(answer.body).toMatchObject({
      title: 'Offer voided',
      reason: 'voided',
      current: { id: entry.id, status: 'voided' },
    })
    expect(admin().getOfferState(Number(entry.id))?.status).toBe('voided')
  })

  it('answers 410 to an offer that expired by the sandbox clock', async () => {
    // given an offer state valid for one more hour, then two hours pass at Sparkfly
    const start = admin().clock.now()
    const entry = await system.issueOfferState({
      expiresAt: new Date(start.getTime() + HOUR_MS).toISOString(),
    })
    admin().clock.advance(2 * HOUR_MS)
    try {
      const answer = record(
        'expired',
        await deliver({ body: { code: entry.code, transactionId: transaction() } }),
      )

      expectProblem(answer, 410)
      expect(answer.body).toMatchObject({
        title: 'Offer expired',
        reason: 'expired',
        current: { id: entry.id, expiresAt: entry.expiresAt },
      })
      expect(admin().getOfferState(Number(entry.id))?.status).toBe('incomplete')
    } finally {
      admin().clock.advance(-2 * HOUR_MS)
    }
  })

  it('answers 422 to an offer that is not active yet, without calling Sparkfly to redeem', async () => {
    const activatesAt = new Date(admin().clock.now().getTime() + 24 * HOUR_MS).toISOString()
    const entry = await system.issueOfferState({ activatesAt })
    admin().resetCounters()

    const answer = record(
      'notYetActive',
      await deliver({ body: { code: entry.code, transactionId: transaction() } }),
    )

    expectProblem(answer, 422)
    expect(answer.body).toMatchObject({
      title: 'Offer not yet active',
      reason: 'not_yet_active',
      current: { id: entry.id, status: 'issued', activatesAt: entry.activatesAt },
    })
    expect(redeemCalls()).toBe(0)
  })

  it('answers 502 when Sparkfly fails, stores nothing, and the same delivery succeeds once Sparkfly recovers', async () => {
    const entry = await system.issueOfferState()
    const id = `msg_${randomUUID()}`
    const body = { code: entry.code, transactionId: transaction() }
    admin().setFaults({ failNext: { status: 500, operation: 'offerStates.redeem' } })

    const failed = record('sparkflyError', await deliver({ id, body }))
    const retried = await deliver({ id, body })

    expectProblem(failed, 502)
    expect(failed.body).toMatchObject({ title: 'Sparkfly error' })
    expect(failed.text).not.toMatch(/stack|trace|Sparkfly(Server)?Error|sandbox/i)
    expect(retried.status).toBe(200)
    expect(admin().getOfferState(Number(entry.id))?.status).toBe('redeemed')
  })

  it('answers 503 with Sparkfly’s Retry-After when Sparkfly is unavailable', async () => {
    const entry = await system.issueOfferState()
    admin().setFaults({ failNext: { status: 503, operation: 'offerStates.redeem' }, retryAfterSeconds: 7 })

    const answer = record(
      'sparkflyUnavailable',
      await deliver({ body: { code: entry.code, transactionId: transaction() } }),
    )

    expectProblem(answer, 503)
    expect(answer.body).toMatchObject({ title: 'Sparkfly unavailable' })
    expect(answer.headers.get('retry-after')).toBe('7')
    expect(admin().getOfferState(Number(entry.id))?.status).toBe('incomplete')
  })

  it('answers 503 with Retry-After when Sparkfly does not answer in time', async () => {
    const entry = await system.issueOfferState()
    admin().setFaults({ failNext: { status: 'hang', operation: 'offerStates.redeem' } })
    const started = Date.now()

    const answer = await deliver({ body: { code: entry.code, transactionId: transaction() } })

    expectProblem(answer, 503)
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('POST /pos/redemptions: idempotency by webhook-id', () => {
  it('answers a sequential redelivery with the identical status and body, redeeming once', async () => {
    const entry = await system.issueOfferState()
    const id = `msg_${randomUUID()}`
    const body = { code: entry.code, transactionId: transaction() }
    admin().resetCounters()

    const first = await deliver({ id, body })
    const again = await deliver({ id, body })
    const unknownFirst = await deliver({
      id: `${id}-404`,
      body: { code: 'NOSUCHCODE2', transactionId: 'T-404' },
    })
    const unknownAgain = await deliver({
      id: `${id}-404`,
      body: { code: 'NOSUCHCODE2', transactionId: 'T-404' },
    })

    expect(first.status).toBe(200)
    expect([again.status, again.text]).toEqual([first.status, first.text])
    expect([unknownAgain.status, unknownAgain.text]).toEqual([404, unknownFirst.text])
    expect(counter('offerStates.redeem')).toBe(1)
    expect(counter('offerStates.query')).toBe(1)
    expect(await redeemedEventsFor(entry.id)).toHaveLength(1)
  })

  it('answers 50 concurrent deliveries of one webhook-id with one redeem: the first answer, or 503 in progress', async () => {
    // given Sparkfly takes a moment, so the duplicates arrive while the first delivery is in flight
    const entry = await system.issueCredential()
    const id = `msg_${randomUUID()}`
    const body = { code: entry.code, transactionId: transaction() }
    admin().setLatency({ perOperation: { 'credentials.redeem': { fixedMs: 300 } } })
    admin().resetCounters()

    // when
    const answers = await Promise.all(Array.from({ length: 50 }, () => deliver({ id, body })))

    // then
    expect(counter('credentials.redeem')).toBe(1)
    const redeemed = answers.filter((a) => a.status === 200)
    expect(redeemed.length).toBeGreaterThan(0)
    expect(new Set(redeemed.map((a) => a.text)).size).toBe(1)
    for (const other of answers.filter((a) => a.status !== 200)) {
      // the documented in-progress answer: retry the same delivery after Retry-After
      expectProblem(other, 503)
      expect(other.body.title).toBe('Request in progress')
      expect(other.headers.get('retry-after')).toBe('1')
    }
    expect(admin().getCredential(Number(entry.id))?.status).toBe('redeemed')
    expect(await redeemedEventsFor(entry.id)).toHaveLength(1)
  })

  it('refuses the same webhook-id with a different body (422) and redeems nothing for it', async () => {
    const [a, b] = [await system.issueOfferState(), await system.issueOfferState()]
    const id = `msg_${randomUUID()}`
    expect((await deliver({ id, body: { code: a.code, transactionId: transaction() } })).status).toBe(200)
    admin().resetCounters()

    const reused = record(
      'idempotencyKeyReused',
      await deliver({ id, body: { code: b.code, transactionId: transaction() } }),
    )

    expectProblem(reused, 422)
    expect(reused.body).toMatchObject({ title: 'Idempotency key reused' })
    expect(admin().requests()).toEqual([])
    expect(admin().getOfferState(Number(b.id))?.status).toBe('incomplete')
  })
})

describe('POST /pos/redemptions: the OpenAPI description', () => {
  it('shows, for every answer seen above, the fields the live answer has', () => {
    const openapi = parse(readFileSync(resolve(ROOT, 'docs/openapi/pos-redemptions.yaml'), 'utf8'))
    const responses = openapi.paths['/pos/redemptions'].post.responses as Record<
      string,
      { content: Record<string, { examples: Record<string, { value: Record<string, unknown> }> }> }
    >
    const examples = new Map<string, { status: number; mediaType: string; value: Record<string, unknown> }>()
    for (const [status, response] of Object.entries(responses)) {
      for (const [mediaType, media] of Object.entries(response.content)) {
        for (const [name, example] of Object.entries(media.examples)) {
          examples.set(name, { status: Number(status), mediaType, value: example.value })
        }
      }
    }
    expect(live.size).toBeGreaterThanOrEqual(14)
    const identity = (body: Record<string, unknown>) => ({
      keys: Object.keys(body).sort(),
      type: body.type,
      title: body.title,
      status: body.status,
      reason: body.reason,
      kind: body.kind,
    })
    for (const [name, answer] of live) {
      const example = examples.get(name)
      expect(example, name).toBeDefined()
      expect({ name, status: answer.status, mediaType: answer.headers.get('content-type') }).toEqual({
        name,
        status: example?.status,
        mediaType: example?.mediaType,
      })
      expect({ name, ...identity(answer.body) }).toEqual({ name, ...identity(example?.value ?? {}) })
    }
  })
})
