import type { SQSEvent, SQSRecord } from 'aws-lambda'
import { createLambdaContext, invokeHandler, type LambdaHandler } from './lambda'
import { recordsToDelete } from './sqsRecords'

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

export interface InvokerOptions {
  handler: LambdaHandler<SQSEvent, unknown>
  functionName: string
  functionTimeoutMs: number
  region: string
  reportBatchItemFailures: boolean
  /** Deletes the records the invocation settled; resolves to how many were deleted. */
  deleteRecords(records: readonly SQSRecord[]): Promise<number>
}

type ReportBase = Pick<InvocationReport, 'functionName' | 'awsRequestId' | 'messageIds' | 'durationMs'>

/**
 * Invokes the handler once with the batch and deletes what it settled, as Lambda does: every record when it
 * returns without batchItemFailures, all but the listed ones when it reports some, none when it throws, times
 * out or answers with an invalid batch response.
 */
export async function invokeBatch(options: InvokerOptions, records: SQSRecord[]): Promise<InvocationReport> {
  const context = createLambdaContext({
    functionName: options.functionName,
    timeoutMs: options.functionTimeoutMs,
    region: options.region,
  })
  const outcome = await invokeHandler(
    options.handler,
    { Records: records },
    context,
    options.functionTimeoutMs,
  )
  const base: ReportBase = {
    functionName: options.functionName,
    awsRequestId: context.awsRequestId,
    messageIds: records.map((record) => record.messageId),
    durationMs: outcome.durationMs,
  }
  if (outcome.status === 'ok') return settle(options, records, outcome.result, base)
  return {
    ...base,
    status: outcome.status === 'timeout' ? InvocationStatus.timeout : InvocationStatus.error,
    deleted: 0,
    failed: records.length,
    error: outcome.status === 'error' ? outcome.error : undefined,
  }
}

/** Deletes the records a successful invocation's result settles. */
async function settle(
  options: InvokerOptions,
  records: SQSRecord[],
  result: unknown,
  base: ReportBase,
): Promise<InvocationReport> {
  let toDelete: SQSRecord[] | undefined
  let invalid: unknown
  try {
    toDelete = recordsToDelete(records, result, options.reportBatchItemFailures)
  } catch (error) {
    invalid = error
  }
  const deleted = toDelete ? await options.deleteRecords(toDelete) : 0
  const failed = records.length - (toDelete?.length ?? 0)
  const status = !toDelete
    ? InvocationStatus.invalidResponse
    : failed > 0
      ? InvocationStatus.partial
      : InvocationStatus.success
  return { ...base, status, deleted, failed, error: invalid }
}
