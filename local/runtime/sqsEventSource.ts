import { type Message, SQSClient } from '@aws-sdk/client-sqs'
import type { SQSEvent } from 'aws-lambda'
import { LOCAL_CREDENTIALS } from '../aws/definitions'
import type { LambdaHandler } from './lambda'
import { gatherBatch } from './sqsBatcher'
import { type InvocationReport, type InvocationStatus, type InvokerOptions, invokeBatch } from './sqsInvoker'
import { type SqsQueue, sqsQueue } from './sqsQueue'
import { toSqsRecord } from './sqsRecords'

export type { InvocationReport } from './sqsInvoker'
export { InvocationStatus } from './sqsInvoker'
export { recordsToDelete, toSqsRecord } from './sqsRecords'

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

const IDLE_CHECK_MS = 50
const ERROR_PAUSE_MS = 250
const SHORT_POLL_PAUSE_MS = 50

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** What the pollers of one event source share: the settled options, the queue and the counters. */
interface SourceState {
  readonly options: SqsEventSourceOptions
  readonly queue: SqsQueue
  readonly batchSize: number
  readonly windowMs: number
  readonly pollWaitSeconds: number
  readonly invoker: InvokerOptions
  readonly stats: SqsEventSourceStats
  /** Messages received and not yet settled (being gathered, invoked or deleted). */
  holding: number
  stopping: boolean
}

function newStats(): SqsEventSourceStats {
  return {
    invocations: 0,
    inFlight: 0,
    received: 0,
    deleted: 0,
    failed: 0,
    byStatus: { success: 0, partial: 0, error: 0, timeout: 0, invalidResponse: 0 },
    pollErrors: 0,
  }
}

function sourceState(options: SqsEventSourceOptions, client: SQSClient, region: string): SourceState {
  const queue = sqsQueue(client, options.queueUrl, options.queueArn)
  return {
    options,
    queue,
    batchSize: Math.min(Math.max(Math.trunc(options.batchSize), 1), 10_000),
    windowMs: Math.max(0, options.maximumBatchingWindowMs ?? 0),
    pollWaitSeconds: Math.min(Math.max(options.pollWaitSeconds ?? 1, 0), 20),
    invoker: {
      handler: options.handler,
      functionName: options.functionName,
      functionTimeoutMs: options.functionTimeoutMs,
      region,
      reportBatchItemFailures: options.reportBatchItemFailures ?? true,
      deleteRecords: queue.deleteRecords,
    },
    stats: newStats(),
    holding: 0,
    stopping: false,
  }
}

/** Receives messages and counts them as held until their poll settles them. */
async function receive(state: SourceState, max: number, waitSeconds: number): Promise<Message[]> {
  const messages = await state.queue.receive(max, waitSeconds)
  state.holding += messages.length
  state.stats.received += messages.length
  return messages
}

/** Invokes the handler with one gathered batch and adds the outcome to the stats. */
async function invoke(state: SourceState, messages: Message[]): Promise<void> {
  const eventSourceARN = await state.queue.arn()
  const records = messages.map((message) => toSqsRecord(message, eventSourceARN, state.invoker.region))
  const { stats } = state
  stats.invocations++
  stats.inFlight++
  let report: InvocationReport
  try {
    report = await invokeBatch(state.invoker, records)
  } finally {
    stats.inFlight--
  }
  stats.byStatus[report.status]++
  stats.deleted += report.deleted
  stats.failed += report.failed
  state.options.onInvoke?.(report)
}

/** One poller: gather a batch, invoke it (or release it after stop()), repeat until stopped. */
async function poll(state: SourceState): Promise<void> {
  const batcher = {
    receive: (max: number, waitSeconds: number) => receive(state, max, waitSeconds),
    batchSize: state.batchSize,
    windowMs: state.windowMs,
    pollWaitSeconds: state.pollWaitSeconds,
    isStopping: () => state.stopping,
  }
  while (!state.stopping) {
    const messages: Message[] = []
    try {
      await gatherBatch(batcher, messages)
      if (messages.length === 0 && state.pollWaitSeconds === 0) await sleep(SHORT_POLL_PAUSE_MS)
      else if (state.stopping) await state.queue.release(messages)
      else if (messages.length > 0) await invoke(state, messages)
    } catch (error) {
      state.stats.pollErrors++
      state.options.onError?.(error)
      await sleep(ERROR_PAUSE_MS)
    } finally {
      state.holding -= messages.length
    }
  }
}

const settled = (state: SourceState) => state.holding === 0 && state.stats.inFlight === 0

async function waitIdle(state: SourceState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (settled(state) && (await state.queue.isEmpty()) && settled(state)) return
    if (Date.now() > deadline) {
      throw new Error(`${state.options.functionName}: queue not drained within ${timeoutMs} ms`)
    }
    await sleep(IDLE_CHECK_MS)
  }
}

/** Starts polling `queueUrl` and invoking `handler` the way Lambda's SQS event source does. */
export function startSqsEventSource(options: SqsEventSourceOptions): SqsEventSource {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1'
  const ownClient = !options.client
  const client =
    options.client ??
    new SQSClient({ region, endpoint: new URL(options.queueUrl).origin, credentials: LOCAL_CREDENTIALS })
  const state = sourceState(options, client, region)
  const pollers = Math.max(1, Math.trunc(options.maxConcurrency ?? 5))
  const loops = Array.from({ length: pollers }, () => poll(state))
  return {
    stop: async () => {
      state.stopping = true
      await Promise.all(loops)
      if (ownClient) client.destroy()
    },
    idle: async ({ timeoutMs = 60_000 } = {}) => waitIdle(state, timeoutMs),
    stats: () => ({ ...state.stats, byStatus: { ...state.stats.byStatus } }),
  }
}
