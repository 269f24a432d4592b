import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import type { SQSRecord } from 'aws-lambda'

/** The most messages one ReceiveMessage call returns. */
export const MAX_RECEIVE = 10
const ENTRIES_PER_BATCH = 10

/** The SQS calls the event source's pollers make on one queue. */
export interface SqsQueue {
  /** The queue's ARN (asked once, again after a failure), or `knownArn` when given. */
  arn(): Promise<string>
  receive(max: number, waitSeconds: number): Promise<Message[]>
  /** Deletes the records in batches of ten; resolves to how many SQS reports deleted. */
  deleteRecords(records: readonly SQSRecord[]): Promise<number>
  /** Makes the messages visible again at once. */
  release(messages: readonly Message[]): Promise<void>
  /** True when the queue has no visible, in-flight or delayed message. */
  isEmpty(): Promise<boolean>
}

export function sqsQueue(client: SQSClient, queueUrl: string, knownArn?: string): SqsQueue {
  let arn: Promise<string> | undefined
  return {
    arn: () => {
      arn ??= knownArn ? Promise.resolve(knownArn) : fetchArn(client, queueUrl).catch(forget)
      return arn
    },
    receive: async (max, waitSeconds) => {
      const { Messages } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(max, MAX_RECEIVE),
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
      return Messages ?? []
    },
    deleteRecords: (records) => deleteRecords(client, queueUrl, records),
    release: (messages) => release(client, queueUrl, messages),
    isEmpty: () => isEmpty(client, queueUrl),
  }

  function forget(error: unknown): never {
    arn = undefined
    throw error
  }
}

async function fetchArn(client: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  )
  if (!Attributes?.QueueArn) throw new Error(`No QueueArn for ${queueUrl}`)
  return Attributes.QueueArn
}

async function deleteRecords(client: SQSClient, queueUrl: string, records: readonly SQSRecord[]) {
  let deleted = 0
  for (let start = 0; start < records.length; start += ENTRIES_PER_BATCH) {
    const chunk = records.slice(start, start + ENTRIES_PER_BATCH)
    const { Successful } = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
      }),
    )
    deleted += Successful?.length ?? 0
  }
  return deleted
}

async function release(client: SQSClient, queueUrl: string, messages: readonly Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += ENTRIES_PER_BATCH) {
    await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(start, start + ENTRIES_PER_BATCH).map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    )
  }
}

async function isEmpty(client: SQSClient, queueUrl: string): Promise<boolean> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
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
