import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resetAppContext } from '../../lib/app/context'
import { resetConfig } from '../../lib/config'
import { type CallCounter, startCallCounter } from '../../local/aws/callCounter'
import { cloudEvent, lambdaContext, sqsEvent, sqsRecord } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

// The AWS calls of one issued offer, counted at the local servers (through counting proxies), not assumed.
// The function's SDK clients are created on first use, so pointing the endpoints at the proxies before the first
// invocation routes every call of this file through them.
let system: TestSystem
let counter: CallCounter
let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>

beforeAll(async () => {
  system = await startTestSystem()
  system.sandbox.admin.createCampaign({ xid: 'local-birthday-treat' })
  // Every call held 100 ms, as a network would: calls sent side by side overlap, sequential ones do not.
  counter = startCallCounter({ delayMs: 100 })
  process.env.AWS_ENDPOINT_URL_DYNAMODB = await counter.proxy('dynamodb', system.aws.endpoints.dynamodb)
  process.env.AWS_ENDPOINT_URL_SQS = await counter.proxy('sqs', system.aws.endpoints.sqs)
  process.env.AWS_ENDPOINT_URL_SNS = await counter.proxy('sns', system.aws.endpoints.sns)
  resetConfig()
  resetAppContext()
  handler = (await import('../../functions/issue-offers')).handler as unknown as typeof handler
})
afterAll(async () => {
  await counter?.stop()
  await system?.stop()
})

const birthday = (i: number) =>
  sqsRecord(
    cloudEvent({ type: 'loyalty.member.birthday', member: { id: system.sandbox.fixtures.members[i]!.id } }),
  )

describe('AWS calls per issued offer (counted at the local DynamoDB, SQS and SNS)', () => {
  it('issues an offer with at most 2 sequential AWS calls: the claim, then settle + record + publish side by side', async () => {
    await handler(sqsEvent([birthday(0)]), lambdaContext()) // warm-up: the secret read and first connections
    counter.reset()

    const result = await handler(sqsEvent([birthday(1)]), lambdaContext())

    expect(result.batchItemFailures).toEqual([])
    const actions = counter
      .calls()
      .map((call) => `${call.service}:${call.action}`)
      .sort()
    const { sequential } = counter.summary()
    console.info('AWS calls per issued offer:', actions.join(', '), '- sequential:', sequential)
    expect(actions).toEqual([
      'dynamodb:PutItem', // the ledger entry
      'dynamodb:UpdateItem', // the claim
      'dynamodb:UpdateItem', // the claim settled with the entry
      'sns:Publish', // offer.issued, to the offer-events topic
    ])
    expect(sequential).toBe(2)
  })

  it('answers another copy of an issued event with 2 sequential calls (the refused claim, its read) and no publish', async () => {
    const record = birthday(2)
    await handler(sqsEvent([record]), lambdaContext())
    counter.reset()

    const copy = sqsRecord(JSON.parse(record.body))
    expect((await handler(sqsEvent([copy]), lambdaContext())).batchItemFailures).toEqual([])

    expect(counter.calls().map((call) => `${call.service}:${call.action}`)).toEqual([
      'dynamodb:UpdateItem',
      'dynamodb:GetItem',
    ])
    expect(counter.summary().sequential).toBe(2)
  })
})
