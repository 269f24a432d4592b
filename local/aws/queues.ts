import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs'
import { LOCAL_CREDENTIALS } from './definitions'

// Queue helpers for the local system's tools (demo, soak, tests): send, drain and count messages of a local queue
// through the real SDK.

export const sqsClients = new Map<string, SQSClient>()

/** A client for the SQS endpoint that serves `queueUrl` (local queue URLs carry the endpoint's origin). */
function sqsFor(queueUrl: string): SQSClient {
  const origin = new URL(queueUrl).origin
  let client = sqsClients.get(origin)
  if (!client) {
    client = new SQSClient({
      region: process.env.AWS_REGION ?? 'us-east-1',
      endpoint: origin,
      credentials: LOCAL_CREDENTIALS,
    })
    sqsClients.set(origin, client)
  }
  return client
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Sends `bodies` (objects as JSON) in batches of 10, each with the same optional string message
 * attributes, and returns the message ids in order.
 */
export async function sendMessages(
  queueUrl: string,
  bodies: readonly unknown[],
  options: { attributes?: Record<string, string> } = {},
): Promise<string[]> {
  const attributes: Record<string, MessageAttributeValue> | undefined = options.attributes
    ? Object.fromEntries(
        Object.entries(options.attributes).map(([name, value]) => [
          name,
          { DataType: 'String', StringValue: value },
        ]),
      )
    : undefined
  const ids: string[] = []
  for (let start = 0; start < bodies.length; start += 10) {
    const chunk = bodies.slice(start, start + 10)
    const { Successful = [], Failed = [] } = await sqsFor(queueUrl).send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({
          Id: String(index),
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
          MessageAttributes: attributes,
        })),
      }),
    )
    if (Failed.length > 0)
      throw new Error(`SendMessageBatch failed for ${Failed.length} message(s): ${Failed[0]?.Code}`)
    const byId = new Map(Successful.map((entry) => [entry.Id, entry.MessageId ?? '']))
    ids.push(...chunk.map((_, index) => byId.get(String(index)) ?? ''))
  }
  return ids
}

export interface DrainedMessage {
  messageId: string
  body: string
  /** Message attributes' string values (`failure-reason` -> `sparkfly_404`). */
  attributes: Record<string, string>
  /** SQS system attributes (ApproximateReceiveCount, SentTimestamp...). */
  systemAttributes: Record<string, string>
  receiveCount: number
}

/**
 * Receives and deletes every message of `queueUrl`: returns once `count` messages arrived, or once no
 * new message arrived for `waitMs` (default 500 ms).
 */
export async function drainQueue(
  queueUrl: string,
  options: { waitMs?: number; count?: number } = {},
): Promise<DrainedMessage[]> {
  const waitMs = options.waitMs ?? 500
  const client = sqsFor(queueUrl)
  const drained: DrainedMessage[] = []
  let quietSince = Date.now()
  while (options.count === undefined || drained.length < options.count) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    )
    if (Messages.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      )
      for (const message of Messages) {
        const attributes: Record<string, string> = {}
        for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
          if (value.StringValue !== undefined) attributes[name] = value.StringValue
        }
        drained.push({
          messageId: message.MessageId ?? '',
          body: message.Body ?? '',
          attributes,
          systemAttributes: { ...message.Attributes },
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
        })
      }
      quietSince = Date.now()
      continue
    }
    if (Date.now() - quietSince >= waitMs) break
    await sleep(Math.min(25, waitMs))
  }
  return drained
}

export interface QueueDepth {
  visible: number
  inFlight: number
  delayed: number
  total: number
}

/** How many messages `queueUrl` holds: visible, in flight (received, not deleted) and delayed. */
export async function queueDepth(queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqsFor(queueUrl).send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  )
  const visible = Number(Attributes.ApproximateNumberOfMessages ?? 0)
  const inFlight = Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  const delayed = Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  return { visible, inFlight, delayed, total: visible + inFlight + delayed }
}
