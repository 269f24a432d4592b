import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { OfferCloudEvent } from '../../lib/events/outbound'
import { LedgerStatus, OfferKind } from '../../lib/ledger/types'
import type { HttpApi } from '../../local/runtime/httpApi'
import type { LostAnswerFault } from '../../local/sandbox'
import { postSignedRedemption } from '../support/events'
import { startFunctionApi } from '../support/httpApi'
import { startTestSystem, type TestSystem } from '../support/system'

// Issue 13, case 1: Sparkfly redeems but its answer is lost (the sandbox applies the redeem, then answers 503,
// drops the connection or never answers). The POS retries; it must get 200 with its redemption, never 409, and
// Sparkfly must see one redeem. Each test here failed before redemption intents (the retry got 409).

let system: TestSystem
let api: HttpApi
const published: OfferCloudEvent[] = []

beforeAll(async () => {
  system = await startTestSystem({
    env: { SPARKFLY_TIMEOUT_MS: '1000', POWERTOOLS_METRICS_DISABLED: 'true' },
  })
  api = await startFunctionApi('redeemWebhook')
})
afterEach(() => system.sandbox.admin.clearFaults())
afterAll(async () => {
  await api?.stop()
  await system?.stop()
})

const deliver = (id: string, body: unknown) =>
  postSignedRedemption(api.url, system.webhookSecrets[0] as string, id, body)

const admin = () => system.sandbox.admin
const redeemCalls = () => {
  const counters = admin().counters()
  return counters['offerStates.redeem'] + counters['credentials.redeem']
}
const newId = () => `msg_${randomUUID()}`
const transaction = () => `T-${randomUUID().slice(0, 8)}`

/** The next redeem of `kind` takes effect at Sparkfly, then its answer is lost as `fault` says. */
function loseNextRedeemAnswer(fault: LostAnswerFault, kind: OfferKind = OfferKind.offerState) {
  const operation = kind === OfferKind.credential ? 'credentials.redeem' : 'offerStates.redeem'
  admin().setFaults({ failNext: { status: fault, operation } })
}

async function redeemedEventsFor(id: string): Promise<OfferCloudEvent[]> {
  for (const message of await system.drainQueue(system.aws.queues.offerEvents, { waitMs: 200 })) {
    published.push(JSON.parse(message.body) as OfferCloudEvent)
  }
  return published.filter((event) => event.type === 'offer.redeemed' && event.data.offer.id === id)
}

describe('POST /pos/redemptions: a lost answer, retried', () => {
  it.each(['apply-then-hang', 'apply-then-reset', 'apply-then-503'] as const)(
    '%s: the same webhook-id answers 200 with the redemption; Sparkfly saw one redeem',
    async (fault) => {
      // given Sparkfly redeems, but the webhook never learns it
      const entry = await system.issueOfferState()
      const id = newId()
      const body = { code: entry.code, transactionId: transaction(), storeId: 'store-9' }
      admin().resetCounters()
      loseNextRedeemAnswer(fault)
      const lost = await deliver(id, body)
      expect(lost.status).toBeGreaterThanOrEqual(500)
      expect(admin().getOfferState(Number(entry.id))?.status).toBe('redeemed')

      // when the POS retries the same delivery
      const retried = await deliver(id, body)
      const again = await deliver(id, body)

      // then it gets its redemption, recorded and published once; a later retry gets the same answer
      expect(retried.status).toBe(200)
      expect(retried.body).toMatchObject({
        status: 'redeemed',
        offerState: { id: entry.id, status: 'redeemed' },
        transactionId: body.transactionId,
        storeId: 'store-9',
        replayed: true,
      })
      expect([again.status, again.text]).toEqual([200, retried.text])
      expect(redeemCalls()).toBe(1)
      expect(await system.ledger.get(OfferKind.offerState, entry.id)).toMatchObject({
        status: LedgerStatus.redeemed,
        transactionId: body.transactionId,
        changedBy: `pos-webhook:${id}`,
      })
      expect(await redeemedEventsFor(entry.id)).toHaveLength(1)
    },
  )

  it('answers 200 to the same transactionId under a new webhook-id (a credential), with one redeem', async () => {
    const entry = await system.issueCredential()
    const body = { code: entry.code, transactionId: transaction() }
    admin().resetCounters()
    loseNextRedeemAnswer('apply-then-reset', OfferKind.credential)
    expect((await deliver(newId(), body)).status).toBeGreaterThanOrEqual(500)

    const retried = await deliver(newId(), body)

    expect(retried.status).toBe(200)
    expect(retried.body).toMatchObject({
      status: 'redeemed',
      credential: { id: entry.id, status: 'redeemed' },
      transactionId: body.transactionId,
      replayed: true,
    })
    expect(redeemCalls()).toBe(1)
    expect(await system.ledger.get(OfferKind.credential, entry.id)).toMatchObject({
      status: LedgerStatus.redeemed,
      transactionId: body.transactionId,
    })
  })

  it('answers 409 to another transaction, before and after the till’s own retry got 200', async () => {
    const entry = await system.issueOfferState()
    const own = { code: entry.code, transactionId: transaction() }
    const id = newId()
    admin().resetCounters()
    loseNextRedeemAnswer('apply-then-503')
    expect((await deliver(id, own)).status).toBe(503)

    const otherBefore = await deliver(newId(), { code: entry.code, transactionId: transaction() })
    const ownRetry = await deliver(id, own)
    const otherAfter = await deliver(newId(), { code: entry.code, transactionId: transaction() })

    expect(otherBefore.status).toBe(409)
    expect(otherBefore.body).toMatchObject({ reason: 'already_redeemed' })
    expect(ownRetry.status).toBe(200)
    expect(otherAfter.status).toBe(409)
    expect(otherAfter.body).toMatchObject({ current: { transactionId: own.transactionId } })
    expect(redeemCalls()).toBe(2) // the first redeem, and the other transaction's refused one
  })

  it('redeems on the retry when the lost call never took effect (503 before applying)', async () => {
    const entry = await system.issueOfferState()
    const id = newId()
    const body = { code: entry.code, transactionId: transaction() }
    admin().resetCounters()
    admin().setFaults({ failNext: { status: 503, operation: 'offerStates.redeem' } })
    expect((await deliver(id, body)).status).toBe(503)
    expect(admin().getOfferState(Number(entry.id))?.status).toBe('incomplete')

    const retried = await deliver(id, body)

    expect(retried.status).toBe(200)
    expect(retried.body).toMatchObject({ replayed: false, transactionId: body.transactionId })
    expect(redeemCalls()).toBe(2)
  })
})
