import type { Message } from '@aws-sdk/client-sqs'
import { MAX_RECEIVE } from './sqsQueue'

export interface BatcherOptions {
  receive(max: number, waitSeconds: number): Promise<Message[]>
  batchSize: number
  /** MaximumBatchingWindow in ms; 0 = no window. */
  windowMs: number
  /** Long-poll wait for the first message (seconds). */
  pollWaitSeconds: number
  isStopping(): boolean
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Waits for a first message, then gathers more into `batch` until it is full or the window closes. Messages go
 * into `batch` as they arrive, so that a caller sees every received message even when a later receive throws.
 */
export async function gatherBatch(options: BatcherOptions, batch: Message[]): Promise<void> {
  batch.push(...(await options.receive(options.batchSize, options.pollWaitSeconds)))
  if (batch.length === 0) return
  if (options.windowMs === 0) await gatherFullPages(options, batch)
  else await gatherWithinWindow(options, batch, Date.now() + options.windowMs)
}

/** No window: keep going only while the queue hands out full pages (batchSize > 10). */
async function gatherFullPages(options: BatcherOptions, batch: Message[]): Promise<void> {
  while (batch.length < options.batchSize && !options.isStopping()) {
    if (batch.length % MAX_RECEIVE !== 0) return
    const more = await options.receive(options.batchSize - batch.length, 0)
    if (more.length === 0) return
    batch.push(...more)
  }
}

async function gatherWithinWindow(
  options: BatcherOptions,
  batch: Message[],
  deadline: number,
): Promise<void> {
  while (batch.length < options.batchSize && !options.isStopping()) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) return
    const more = await options.receive(options.batchSize - batch.length, remaining >= 1000 ? 1 : 0)
    batch.push(...more)
    if (more.length === 0 && remaining < 1000) await sleep(Math.min(remaining, 20))
  }
}
