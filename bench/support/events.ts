import { randomUUID } from 'node:crypto'
import type { APIGatewayProxyEventV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { signWebhook } from '../../lib/webhooks'
import { cloudEvent, sqsEvent, sqsRecord } from '../../test/support/events'

/** The issuance handler as Lambda calls it. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>

/** The member ids the sandbox knows (passed to workers by the harness). */
export function benchMemberIds(): number[] {
  const ids = JSON.parse(process.env.BENCH_MEMBER_IDS ?? '[]') as number[]
  if (ids.length === 0) throw new Error('BENCH_MEMBER_IDS is not set')
  return ids
}

let sequence = 0

/**
 * An SQS batch of `n` distinct loyalty events of type `loyalty.member.birthday`: that type matches exactly one rule
 * of rules/issuance.local.json, so each event costs one Sparkfly issue call.
 */
export function birthdayBatch(n: number, memberIds: readonly number[]): SQSEvent {
  return sqsEvent(
    Array.from({ length: n }, () =>
      sqsRecord(
        cloudEvent({
          type: 'loyalty.member.birthday',
          member: { id: memberIds[sequence++ % memberIds.length]! },
        }),
      ),
    ),
  )
}

/** A POST /pos/redemptions event (API Gateway HTTP API, payload 2.0) signed the Standard Webhooks way. */
export function signedRedemption(body: Record<string, unknown>, secret: string): APIGatewayProxyEventV2 {
  const text = JSON.stringify(body)
  const id = `msg_${randomUUID()}`
  const timestamp = Math.floor(Date.now() / 1000)
  const path = '/pos/redemptions'
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook({ secret, id, timestamp, body: text }),
    },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'pos-bench' },
      requestId: randomUUID(),
      routeKey: `POST ${path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body: text,
    isBase64Encoded: false,
  }
}
