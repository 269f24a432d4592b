import type { SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resetAppContext } from '../../lib/app/context'
import { resetConfig } from '../../lib/config'
import { type AwsCall, type AwsCallLog, sequentialCalls, startAwsCallLog } from '../support/awsCallLog'
import { cloudEvent, lambdaContext, sqsEvent, sqsRecord } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

// The AWS calls of one issued offer, counted at the local servers (through counting proxies), not assumed.
// The function's SDK clients are created on first use, so pointing the endpoints at the proxies before the first
// invocation routes every call of this file through them.
let system: TestSystem
let logs: AwsCallLog[] = []
const calls: AwsCall[] = []
let handler: (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>

beforeAll(async () => {
  system = await startTestSystem()
  system.sandbox.admin.createCampaign({ xid: 'local-birthday-treat' })
  // Every answer held 100 ms, as a network would: calls sent side by side overlap, sequential ones do not.
  const latency = { answerDelayMs: 100 }
  const dynamodb = await startAwsCallLog('dynamodb', system.aws.endpoints.dynamodb, calls, latency)
  const sqs = await startAwsCallLog('sqs', system.aws.endpoints.sqs, calls, latency)
  logs = [dynamodb, sqs]
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.url
  process.env.AWS_ENDPOINT_URL_SQS = sqs.url
  process.env.OFFER_EVENTS_QUEUE_URL = system.aws.queues.offerEvents.replace(
    system.aws.endpoints.sqs,
    sqs.url,
  )
  resetConfig()
  resetAppContext()
  handler = (await import('../../functions/issue-offers')).handler as unknown as typeof handler
})
afterAll(async () => {
  for (const log of logs) await log.stop()
  await system?.stop()
})

const birthday = (i: number) =>
  sqsRecord(
    cloudEvent({ type: 'loyalty.member.birthday', member: { id: system.sandbox.fixtures.members[i]!.id } }),
  )

describe('AWS calls per issued offer (counted at the local DynamoDB and SQS)', () => {
  it('issues an offer with at most 2 sequential AWS calls: the claim, then settle + record + publish side by side', async () => {
    await handler(sqsEvent([birthday(0)]), lambdaContext()) // warm-up: the secret read and first connections
    calls.length = 0

    const result = await handler(sqsEvent([birthday(1)]), lambdaContext())

    expect(result.batchItemFailures).toEqual([])
    const actions = calls.map((call) => `${call.service}:${call.action}`).sort()
    console.info('AWS calls per issued offer:', actions.join(', '), '- sequential:', sequentialCalls(calls))
    expect(actions).toEqual([
      'dynamodb:PutItem', // the ledger entry
      'dynamodb:UpdateItem', // the claim
      'dynamodb:UpdateItem', // the claim settled with the entry
      'sqs:SendMessage', // offer.issued
    ])
    expect(sequentialCalls(calls)).toBe(2)
  })

  it('answers another copy of an issued event with 2 sequential calls (the refused claim, its read) and no publish', async () => {
    const record = birthday(2)
    await handler(sqsEvent([record]), lambdaContext())
    calls.length = 0

    const copy = sqsRecord(JSON.parse(record.body))
    expect((await handler(sqsEvent([copy]), lambdaContext())).batchItemFailures).toEqual([])

    expect(calls.map((call) => `${call.service}:${call.action}`)).toEqual([
      'dynamodb:UpdateItem',
      'dynamodb:GetItem',
    ])
    expect(sequentialCalls(calls)).toBe(2)
  })
})
