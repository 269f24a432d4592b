import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda'
import { LOCAL_CREDENTIALS } from '../aws/definitions'
import { createLambdaContext, invokeHandler, type LambdaHandler } from './lambda'

/**
 * Lambda's SQS event source mapping, locally: pollers long-poll the queue, gather up to `batchSize`
 * records (within the batching window), invoke the handler with an SQSEvent shaped like Lambda's,
 * then delete what succeeded:
 * - the handler throws or times out: nothing is deleted; the records come back after the queue's
 *   visibility timeout and reach the dead-letter queue after its maxReceiveCount (fauxqs applies
 *   the RedrivePolicy on receive, like SQS);
 * - it returns `{ batchItemFailures }`: every record not listed is deleted; an entry with an empty or
 *   missing `itemIdentifier`, or one naming a message outside the batch, fails the whole batch;
 * - it returns anything else (or nothing): the whole batch is deleted.
 * One invocation per poller at a time, `maxConcurrency` pollers: invocations are bounded by it.
 */

export interface SqsEventSourceOptions {
  queueUrl: string
  /** Default: read from the queue (QueueArn). */
  queueArn?: string
  handler: LambdaHandler<SQSEvent, unknown>
  /** 1..10000 (Lambda allows more than 10 only with a batching window). */
  batchSize: number
  /** Gather records for up to this long once the first one arrives (MaximumBatchingWindowInSeconds). */
  maximumBatchingWindowMs?: number
  functionTimeoutMs: number
  /** Concurrent invocations (ScalingConfig.MaximumConcurrency); default 5, Lambda's initial pollers. */
  maxConcurrency?: number
  functionName: string
  /** `functionResponseType: ReportBatchItemFailures` on the mapping; default true. */
  reportBatchItemFailures?: boolean
  onInvoke?: (report: InvocationReport) => void
  /** Called when a ReceiveMessage/DeleteMessageBatch call fails (the poller retries after a pause). */
  onError?: (error: unknown) => void
  /** Default: a client for the queue URL's origin with dummy credentials. */
  client?: SQSClient
  region?: string
  /**
   * Long-poll wait per ReceiveMessage (seconds, 0..20; 0 = short polls 50 ms apart). It also bounds
   * how long stop() waits for the poll in progress. Default 1.
   */
  pollWaitSeconds?: number
}

export const InvocationStatus = {
  success: 'success',
  partial: 'partial',
  error: 'error',
  timeout: 'timeout',
  invalidResponse: 'invalidResponse',
} as const

export type InvocationStatus = (typeof InvocationStatus)[keyof typeof InvocationStatus]

export interface InvocationReport {
  functionName: string
  awsRequestId: string
  status: InvocationStatus
  messageIds: string[]
  deleted: number
  failed: number
  durationMs: number
  /** The thrown error (status `error`), or why the response failed the batch (`invalidResponse`). */
  error?: unknown
}

export interface SqsEventSourceStats {
  invocations: number
  inFlight: number
  received: number
  deleted: number
  /** Records left on the queue for a retry. */
  failed: number
  byStatus: Record<InvocationStatus, number>
  pollErrors: number
}

export interface SqsEventSource {
  stop(): Promise<void>
  /** Resolves once the queue has no visible, in-flight or delayed message and no invocation runs. */
  idle(options?: { timeoutMs?: number }): Promise<void>
  stats(): SqsEventSourceStats
}

const MAX_RECEIVE = 10
const DELETE_BATCH = 10
const IDLE_CHECK_MS = 50
const ERROR_PAUSE_MS = 250
const SHORT_POLL_PAUSE_MS = 50

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

class InvalidBatchResponse extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InvalidBatchResponse'
  }
}

function toMessageAttributes(message: Message): SQSMessageAttributes {
  const attributes: SQSMessageAttributes = {}
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = {
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue ? Buffer.from(value.BinaryValue).toString('base64') : undefined,
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
      dataType: value.DataType ?? 'String',
    }
  }
  return attributes
}

/** One received message as Lambda puts it in `event.Records`. */
export function toSqsRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord {
  const system = message.Attributes ?? {}
  const attributes: SQSRecordAttributes = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? String(Date.now()),
    SenderId: system.SenderId ?? '000000000000',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  }
  for (const name of [
    'AWSTraceHeader',
    'SequenceNumber',
    'MessageGroupId',
    'MessageDeduplicationId',
  ] as const) {
    if (system[name] !== undefined) attributes[name] = system[name]
  }
  const record: SQSRecord = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes: toMessageAttributes(message),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  }
  if (message.MD5OfMessageAttributes) record.md5OfMessageAttributes = message.MD5OfMessageAttributes
  return record
}

/**
 * Which records of the batch to delete for a handler's result, as Lambda decides with
 * ReportBatchItemFailures. Throws {@link InvalidBatchResponse} when the response fails the whole batch.
 */
export function recordsToDelete(
  records: readonly SQSRecord[],
  result: unknown,
  reportBatchItemFailures = true,
): SQSRecord[] {
  if (!reportBatchItemFailures || result === null || typeof result !== 'object') return [...records]
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures
  if (failures === undefined || failures === null) return [...records]
  if (!Array.isArray(failures)) throw new InvalidBatchResponse('batchItemFailures is not a list')
  const ids = new Set(records.map((record) => record.messageId))
  const failed = new Set<string>()
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier
    if (typeof id !== 'string' || id === '')
      throw new InvalidBatchResponse('an itemIdentifier is empty or missing')
    if (!ids.has(id)) throw new InvalidBatchResponse(`itemIdentifier ${id} is not a message of this batch`)
    failed.add(id)
  }
  return records.filter((record) => !failed.has(record.messageId))
}

/** Starts polling `queueUrl` and invoking `handler` the way Lambda's SQS event source does. */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1'
  const ownClient = !options.client
  const client =
    options.client ??
    new SQSClient({ region, endpoint: new URL(options.queueUrl).origin, credentials: LOCAL_CREDENTIALS })
  const batchSize = Math.min(Math.max(Math.trunc(options.batchSize), 1), 10_000)
  const windowMs = Math.max(0, options.maximumBatchingWindowMs ?? 0)
  const pollWaitSeconds = Math.min(Math.max(options.pollWaitSeconds ?? 1, 0), 20)
  const pollers = Math.max(1, Math.trunc(options.maxConcurrency ?? 5))
  const reportBatchItemFailures = options.reportBatchItemFailures ?? true

  const stats: SqsEventSourceStats = {
    invocations: 0,
    inFlight: 0,
    received: 0,
    deleted: 0,
    failed: 0,
    byStatus: { success: 0, partial: 0, error: 0, timeout: 0, invalidResponse: 0 },
    pollErrors: 0,
  }
  /** Messages received and not yet settled (being gathered, invoked or deleted). */
  let holding = 0
  let stopping = false

  let arn: Promise<string> | undefined
  const queueArn = (): Promise<string> => {
    arn ??= options.queueArn
      ? Promise.resolve(options.queueArn)
      : client
          .send(new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }))
          .then(({ Attributes }) => {
            if (!Attributes?.QueueArn) throw new Error(`No QueueArn for ${options.queueUrl}`)
            return Attributes.QueueArn
          })
          .catch((error: unknown) => {
            arn = undefined
            throw error
          })
    return arn
  }

  const receive = async (max: number, waitSeconds: number): Promise<Message[]> => {
    const { Messages } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(max, MAX_RECEIVE),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    )
    const messages = Messages ?? []
    holding += messages.length
    stats.received += messages.length
    return messages
  }

  /** Waits for a first message, then gathers more into `batch` until it is full or the window closes. */
  const gather = async (batch: Message[]): Promise<void> => {
    batch.push(...(await receive(batchSize, pollWaitSeconds)))
    if (batch.length === 0) return
    const deadline = Date.now() + windowMs
    while (batch.length < batchSize && !stopping) {
      if (windowMs === 0) {
        // No window: keep going only while the queue hands out full pages (batchSize > 10).
        if (batch.length % MAX_RECEIVE !== 0) break
        const more = await receive(batchSize - batch.length, 0)
        if (more.length === 0) break
        batch.push(...more)
        continue
      }
      const remaining = deadline - Date.now()
      if (remaining <= 0) break
      const more = await receive(batchSize - batch.length, remaining >= 1000 ? 1 : 0)
      batch.push(...more)
      if (more.length === 0 && remaining < 1000) await sleep(Math.min(remaining, 20))
    }
  }

  const deleteRecords = async (records: SQSRecord[]): Promise<number> => {
    let deleted = 0
    for (let start = 0; start < records.length; start += DELETE_BATCH) {
      const chunk = records.slice(start, start + DELETE_BATCH)
      const { Successful } = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      )
      deleted += Successful?.length ?? 0
    }
    return deleted
  }

  const invoke = async (messages: Message[]): Promise<void> => {
    const eventSourceARN = await queueArn()
    const records = messages.map((message) => toSqsRecord(message, eventSourceARN, region))
    const context = createLambdaContext({
      functionName: options.functionName,
      timeoutMs: options.functionTimeoutMs,
      region,
    })
    stats.invocations++
    stats.inFlight++
    let report: InvocationReport
    try {
      const outcome = await invokeHandler(
        options.handler,
        { Records: records },
        context,
        options.functionTimeoutMs,
      )
      const base = {
        functionName: options.functionName,
        awsRequestId: context.awsRequestId,
        messageIds: records.map((record) => record.messageId),
        durationMs: outcome.durationMs,
      }
      if (outcome.status === 'ok') {
        let toDelete: SQSRecord[] | undefined
        let invalid: unknown
        try {
          toDelete = recordsToDelete(records, outcome.result, reportBatchItemFailures)
        } catch (error) {
          invalid = error
        }
        const deleted = toDelete ? await deleteRecords(toDelete) : 0
        const failed = records.length - (toDelete?.length ?? 0)
        const status = !toDelete
          ? InvocationStatus.invalidResponse
          : failed > 0
            ? InvocationStatus.partial
            : InvocationStatus.success
        report = { ...base, status, deleted, failed, error: invalid }
      } else {
        report = {
          ...base,
          status: outcome.status === 'timeout' ? InvocationStatus.timeout : InvocationStatus.error,
          deleted: 0,
          failed: records.length,
          error: outcome.status === 'error' ? outcome.error : undefined,
        }
      }
    } finally {
      stats.inFlight--
    }
    stats.byStatus[report.status]++
    stats.deleted += report.deleted
    stats.failed += report.failed
    options.onInvoke?.(report)
  }

  /** Messages received by a poll that ends after stop(): visible again at once, not invoked. */
  const release = async (messages: Message[]): Promise<void> => {
    for (let start = 0; start < messages.length; start += DELETE_BATCH) {
      await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: messages.slice(start, start + DELETE_BATCH).map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
    }
  }

  const poll = async (): Promise<void> => {
    while (!stopping) {
      const messages: Message[] = []
      try {
        await gather(messages)
        if (messages.length === 0 && pollWaitSeconds === 0) await sleep(SHORT_POLL_PAUSE_MS)
        else if (stopping) await release(messages)
        else if (messages.length > 0) await invoke(messages)
      } catch (error) {
        stats.pollErrors++
        options.onError?.(error)
        await sleep(ERROR_PAUSE_MS)
      } finally {
        holding -= messages.length
      }
    }
  }

  const loops = Array.from({ length: pollers }, () => poll())

  const queueEmpty = async (): Promise<boolean> => {
    const { Attributes = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: options.queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    )
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) === 0 &&
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) === 0 &&
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0) === 0
    )
  }

  return {
    stop: async () => {
      stopping = true
      await Promise.all(loops)
      if (ownClient) client.destroy()
    },
    idle: async ({ timeoutMs = 60_000 } = {}) => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (
          holding === 0 &&
          stats.inFlight === 0 &&
          (await queueEmpty()) &&
          holding === 0 &&
          stats.inFlight === 0
        ) {
          return
        }
        if (Date.now() > deadline) {
          throw new Error(`${options.functionName}: queue not drained within ${timeoutMs} ms`)
        }
        await sleep(IDLE_CHECK_MS)
      }
    },
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus } }),
  }
}
