import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import middy from '@middy/core'
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import pLimit from 'p-limit'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import { logger, MetricUnit, metrics } from '../observability'
import { callFailure } from '../offers/errors'
import { PermanentError, TransientError } from './errors'

/**
 * Why a record failed for good, or undefined when a retry may help: a {@link PermanentError}'s reason, or a Sparkfly
 * failure that no retry fixes (contracts §2: a 4xx other than 401, 408, 409 and 429, a refused argument, an answer
 * that breaks the contract). Read from the errors' properties, never their names.
 */
export function permanentReason(error: unknown): { reason: string; detail: string } | undefined {
  if (error instanceof PermanentError) return { reason: error.reason, detail: error.message }
  const failure = callFailure(error)
  if (!failure || failure.retryable) return undefined
  return { reason: failure.reason, detail: failure.detail }
}

/** Puts a record that can never succeed on the dead-letter queue, with its reason, and returns. */
export async function parkOnDeadLetterQueue(
  sqs: SQSClient,
  deadLetterQueueUrl: string,
  record: SQSRecord,
  failure: { reason: string; detail: string },
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: deadLetterQueueUrl,
      MessageBody: record.body,
      MessageAttributes: {
        'failure-reason': { DataType: 'String', StringValue: failure.reason },
        'failure-detail': {
          DataType: 'String',
          StringValue: failure.detail.slice(0, 1024) || failure.reason,
        },
        'source-message-id': { DataType: 'String', StringValue: record.messageId },
        'source-queue': { DataType: 'String', StringValue: record.eventSourceARN || 'unknown' },
        'failed-at': { DataType: 'String', StringValue: new Date().toISOString() },
        'receive-count': {
          DataType: 'Number',
          StringValue: record.attributes.ApproximateReceiveCount || '1',
        },
      },
    }),
  )
}

/**
 * Where a queue remembers which messages it parked: a conditional item per message id (the ledger's claims), so a
 * record parked once is acknowledged, not parked again, when its batch comes back (an invocation that timed out,
 * a crash before SQS heard of the partial failure).
 */
export type ParkingRegistry = Pick<Ledger, 'claim' | 'completeClaim'>

/**
 * How long a parking in progress keeps others from parking the same message: one SendMessage, so short, and well
 * under any visibility timeout (a holder that died must not make the message run out of receives).
 */
const PARKING_LEASE_MS = 5_000

export interface SqsBatchHandlerOptions {
  /** Handles one record; throw {@link PermanentError} for what can never succeed, anything else to retry. */
  handleRecord: (record: SQSRecord, context: Context) => Promise<unknown>
  sqs: () => SQSClient
  deadLetterQueueUrl: () => string
  /** Records processed at once within one invocation (bounds Sparkfly calls in flight). */
  concurrency: () => number
  /** Makes parking idempotent per message id; without it a record is parked each time it fails for good. */
  parkings?: () => ParkingRegistry
}

/**
 * Parks `record` unless it was parked before: a claim on `park:<message id>` is taken first and completed once the
 * message is on the dead-letter queue. Answers false when the record had already been parked. Throws
 * {@link TransientError} while another invocation is parking it (SQS brings it back).
 */
export async function parkOnce(
  options: Pick<SqsBatchHandlerOptions, 'sqs' | 'deadLetterQueueUrl' | 'parkings'>,
  record: SQSRecord,
  failure: { reason: string; detail: string },
  owner: string,
): Promise<boolean> {
  const registry = options.parkings?.()
  const key = ledgerKey.claim(`park:${record.messageId}`)
  const claim = registry ? await registry.claim(key, owner, PARKING_LEASE_MS) : undefined
  if (claim?.status === 'done') return false
  if (claim?.status === 'busy')
    throw new TransientError(`Record ${record.messageId} is being parked elsewhere`)
  await parkOnDeadLetterQueue(options.sqs(), options.deadLetterQueueUrl(), record, failure)
  await registry?.completeClaim(key, owner, { reason: failure.reason, parkedAt: new Date().toISOString() })
  return true
}

/**
 * The service's one SQS middleware chain: Lambda context in the logs, EMF metrics, records processed concurrently
 * with a bound, partial batch failures (only the failed records come back), and permanent failures parked on the
 * dead-letter queue with their reason and acknowledged, so nothing is retried forever and nothing is lost.
 *
 * @example
 * export const handler = sqsBatchHandler({ handleRecord, sqs: sqsClient, deadLetterQueueUrl, concurrency: () => 10 })
 */
export function sqsBatchHandler(options: SqsBatchHandlerOptions) {
  const processRecord = async (record: SQSRecord, context: Context) => {
    try {
      await options.handleRecord(record, context)
      metrics.addMetric('RecordsSucceeded', MetricUnit.Count, 1)
    } catch (error) {
      const permanent = permanentReason(error)
      if (!permanent) {
        metrics.addMetric('RecordsRetried', MetricUnit.Count, 1)
        logger.warn('Record failed, SQS will retry it', {
          messageId: record.messageId,
          receiveCount: record.attributes.ApproximateReceiveCount,
          error: error as Error,
        })
        throw error
      }
      const parked = await parkOnce(options, record, permanent, `${context.awsRequestId}:${record.messageId}`)
      if (!parked) {
        logger.info('Record was parked before; acknowledged', { messageId: record.messageId })
        return
      }
      metrics.addMetric('RecordsParked', MetricUnit.Count, 1)
      logger.warn('Record parked on the dead-letter queue', {
        messageId: record.messageId,
        reason: permanent.reason,
      })
    }
  }

  const handle = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    // A processor per invocation: its state must not be shared by invocations running at the same time.
    const processor = new BatchProcessor(EventType.SQS)
    const limit = pLimit(options.concurrency())
    return processPartialResponse(
      event,
      (record: SQSRecord) => limit(() => processRecord(record, context)),
      processor,
      {
        context,
        throwOnFullBatchFailure: false,
      },
    )
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(handle)
}
