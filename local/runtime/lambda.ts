import { randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'

/** What Lambda provides around a handler: its context object and the invocation with a timeout. */

export const LOCAL_ACCOUNT_ID = '000000000000'

/** A Lambda handler as the application exports it (async, or Node callback style). */
export type LambdaHandler<E = unknown, R = unknown> = (
  event: E,
  context: Context,
  callback: (error?: unknown, result?: R) => void,
) => Promise<R> | R | undefined

export interface LambdaContextOptions {
  functionName: string
  timeoutMs: number
  region?: string
  memoryLimitInMB?: number
  awsRequestId?: string
}

/** Builds a Lambda context whose `getRemainingTimeInMillis` counts down from `timeoutMs`. */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1'
  const deadline = Date.now() + options.timeoutMs
  const unsupported = () => {
    throw new Error('context.done/succeed/fail are not supported; return or throw from the handler')
  }
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]local`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  }
}

export type InvocationOutcome<R> =
  | { status: 'ok'; result: R | undefined; durationMs: number }
  | { status: 'error'; error: unknown; durationMs: number }
  | { status: 'timeout'; durationMs: number }

const TIMED_OUT = Symbol('timeout')

/**
 * Calls `handler(event, context)` like Lambda: the result is the returned promise's value or the
 * callback's, an exception or rejection is a function error, and no answer within `timeoutMs` is a
 * timeout (the handler keeps running in this process, but its result is ignored).
 */
export async function invokeHandler<E, R>(
  handler: LambdaHandler<E, R>,
  event: E,
  context: Context,
  timeoutMs: number,
): Promise<InvocationOutcome<R>> {
  const started = Date.now()
  let timer: NodeJS.Timeout | undefined
  const answer = new Promise<R | undefined>((resolve, reject) => {
    const callback = (error?: unknown, result?: R) => (error ? reject(error) : resolve(result))
    try {
      const returned = handler(event, context, callback)
      if (returned && typeof (returned as Promise<R>).then === 'function') {
        ;(returned as Promise<R>).then(resolve, reject)
      } else if (handler.length < 3) {
        resolve(returned as R | undefined)
      }
    } catch (error) {
      reject(error)
    }
  })
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), timeoutMs)
  })
  try {
    const result = await Promise.race([answer, timeout])
    const durationMs = Date.now() - started
    if (result === TIMED_OUT) {
      answer.catch(() => undefined)
      return { status: 'timeout', durationMs }
    }
    return { status: 'ok', result, durationMs }
  } catch (error) {
    return { status: 'error', error, durationMs: Date.now() - started }
  } finally {
    clearTimeout(timer)
  }
}
