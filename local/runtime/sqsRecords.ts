import type { Message } from '@aws-sdk/client-sqs'
import type { SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda'

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
