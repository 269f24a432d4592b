import type { APIGatewayProxyEventV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda'
import { cloudEvent, signedRedemptionEvent, sqsEvent, sqsRecord } from '../../test/support/events'

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
  return signedRedemptionEvent(body, [secret])
}
