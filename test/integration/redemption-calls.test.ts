import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CallCounter, startCallCounter } from '../../local/aws/callCounter'
import type { HttpApi } from '../../local/runtime/httpApi'
import { postSignedRedemption } from '../support/events'
import { startFunctionApi } from '../support/httpApi'
import { startTestSystem, type TestSystem } from '../support/system'

// The critical path of a first-time redemption, counted at the local DynamoDB (a counting proxy in front of
// dynalite): how many DynamoDB calls the webhook makes, and how many of them run one after the other.

let system: TestSystem
let api: HttpApi
let counter: CallCounter

beforeAll(async () => {
  system = await startTestSystem({ env: { POWERTOOLS_METRICS_DISABLED: 'true' } })
  // Every call held 100 ms, as a network would: calls sent side by side overlap, sequential ones do not.
  counter = startCallCounter({ delayMs: 100 })
  // The functions' SDK clients are built on first use: from here on they reach DynamoDB through the counter.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = await counter.proxy('dynamodb', system.aws.endpoints.dynamodb)
  api = await startFunctionApi('redeemWebhook')
})
afterAll(async () => {
  await api?.stop()
  await counter?.stop()
  await system?.stop()
})

const deliver = async (id: string, body: unknown) =>
  (await postSignedRedemption(api.url, system.webhookSecrets[0] as string, id, body)).status

describe('POST /pos/redemptions: AWS calls on the critical path', () => {
  it('redeems a ledger offer with at most 2 sequential DynamoDB calls', async () => {
    // warm the container (secrets, token) with one redemption, then count the next one
    const warm = await system.issueOfferState()
    expect(await deliver(`msg_${randomUUID()}`, { code: warm.code, transactionId: 'T-warm' })).toBe(200)
    const entry = await system.issueOfferState()
    counter.reset()

    const status = await deliver(`msg_${randomUUID()}`, { code: entry.code, transactionId: 'T-count' })

    expect(status).toBe(200)
    const calls = counter.calls()
    const { sequential } = counter.summary()
    console.info(
      `first-time redemption: ${calls.length} DynamoDB calls (${calls.map((call) => call.action).join(', ')}), ` +
        `${sequential} sequential`,
    )
    expect(calls.length).toBeGreaterThan(0)
    expect(sequential).toBeLessThanOrEqual(2)
  })
})
