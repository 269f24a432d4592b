/**
 * The issuance function's "Lambda container" for the soak: a separate process that polls the loyalty-events queue
 * with Lambda's event-source semantics and runs the real `functions/issue-offers.ts` handler, exactly as
 * `startLocalSystem` wires it in-process. The soak SIGKILLs this process mid-batch and starts a new one, which is
 * what a crashed Lambda container looks like to SQS, DynamoDB and Sparkfly: in-flight records are neither
 * acknowledged nor failed, claims stay pending, and the messages come back after the visibility timeout.
 *
 * Started by `local/soak/engine.ts` with `node --import tsx`, the functions' environment, and:
 * - `SOAK_QUEUE_URL`: the loyalty-events queue;
 * - `SOAK_FUNCTION_TIMEOUT_MS`: the function timeout to run with (default: serverless.yml's);
 * - `SOAK_MAX_CONCURRENCY`: concurrent invocations (default: serverless.yml's maximumConcurrency, at most 5 as
 *   `startLocalSystem` does).
 * It tells its parent `{ type: 'ready' }` over IPC once polling and `{ type: 'timeout' }` for each invocation that
 * timed out, and stops cleanly on SIGTERM.
 */
import { resolve } from 'node:path'
import { handlerResolver, loadServerlessConfig, type SqsEvent, startSqsEventSource } from '../runtime'

const FUNCTION_KEY = 'issueOffers'

async function main(): Promise<void> {
  const rootDir = resolve(process.env.SOAK_ROOT_DIR ?? process.cwd())
  const queueUrl = process.env.SOAK_QUEUE_URL
  if (!queueUrl) throw new Error('SOAK_QUEUE_URL is not set')
  const config = loadServerlessConfig({ file: resolve(rootDir, 'serverless.yml'), rootDir, stage: 'local' })
  const fn = config.functions.find((candidate) => candidate.key === FUNCTION_KEY)
  const event = fn?.events.find((candidate): candidate is SqsEvent => candidate.type === 'sqs')
  if (!fn || !event) throw new Error(`serverless.yml has no SQS function ${FUNCTION_KEY}`)

  const handler = (await handlerResolver({ rootDir, importModule: (path) => import(path) })(
    fn,
  )) as Parameters<typeof startSqsEventSource>[0]['handler']
  const timeoutMs = Number(process.env.SOAK_FUNCTION_TIMEOUT_MS) || fn.timeoutSeconds * 1000
  const concurrency = Number(process.env.SOAK_MAX_CONCURRENCY) || Math.min(event.maximumConcurrency ?? 5, 5)
  const source = startSqsEventSource({
    queueUrl,
    handler,
    functionName: fn.name,
    functionTimeoutMs: timeoutMs,
    batchSize: event.batchSize,
    reportBatchItemFailures: event.reportBatchItemFailures,
    maxConcurrency: concurrency,
    // Lambda would kill a timed-out invocation; here it runs on in the background. The parent counts them.
    onInvoke: (report) => {
      if (report.status === 'timeout') process.send?.({ type: 'timeout' })
    },
    region: process.env.AWS_REGION,
    ...(event.maximumBatchingWindowSeconds !== undefined
      ? { maximumBatchingWindowMs: event.maximumBatchingWindowSeconds * 1000 }
      : {}),
  })
  process.send?.({ type: 'ready', pid: process.pid })

  let stopping = false
  process.on('SIGTERM', () => {
    if (stopping) return
    stopping = true
    source.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
}

main().catch((error: unknown) => {
  console.error(`issuance worker failed to start: ${(error as Error)?.message ?? error}`)
  process.exit(1)
})
