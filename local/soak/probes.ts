/** What the soak reads back from the local system: the sandbox's offers, the ledger and the queues. */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import pLimit from 'p-limit'
import { ledgerKey } from '../../lib/ledger/Ledger'
import { OfferKind } from '../../lib/ledger/types'
import type { LocalSystem } from '../system'

export type SandboxOffer = ReturnType<LocalSystem['sandbox']['admin']['offerStates']>[number]

/** The ledger key of a sandbox offer state. */
export const offerLedgerKey = (offerStateId: number | string): string =>
  ledgerKey.offer(OfferKind.offerState, String(offerStateId))

/** Offer states of this soak (by run id) in the sandbox. */
export function soakOffers(system: LocalSystem, runId: string): SandboxOffer[] {
  return system.sandbox.admin.offerStates().filter((o) => o.external_ref_id?.includes(runId))
}

/** Which of these offer states the ledger holds (their ledger keys). */
export async function inLedger(
  documents: DynamoDBDocumentClient,
  table: string,
  ids: number[],
): Promise<Set<string>> {
  const found = new Set<string>()
  const limit = pLimit(4)
  const chunks: number[][] = []
  for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100))
  await Promise.all(chunks.map((chunk) => limit(() => readKeys(documents, table, chunk, found))))
  return found
}

async function readKeys(
  documents: DynamoDBDocumentClient,
  table: string,
  ids: number[],
  found: Set<string>,
): Promise<void> {
  let keys: Record<string, unknown>[] | undefined = ids.map((id) => ({ pk: offerLedgerKey(id) }))
  while (keys && keys.length > 0) {
    const out = await documents.send(
      new BatchGetCommand({
        RequestItems: { [table]: { Keys: keys, ProjectionExpression: 'pk', ConsistentRead: true } },
      }),
    )
    for (const item of out.Responses?.[table] ?? []) found.add(String(item.pk))
    keys = out.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined
  }
}

export interface DrainedMessage {
  body: string
  reason?: string
}

/** Receives and deletes everything on a queue. */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<DrainedMessage[]> {
  const out: DrainedMessage[] = []
  let empty = 0
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 60,
      }),
    )
    if (Messages.length === 0) {
      empty += 1
      continue
    }
    empty = 0
    out.push(...Messages.map(drained))
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    )
  }
  return out
}

function drained(message: Message): DrainedMessage {
  const reason = message.MessageAttributes?.['failure-reason']?.StringValue
  return { body: message.Body ?? '', ...(reason ? { reason } : {}) }
}
