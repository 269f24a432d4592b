import { randomUUID } from 'node:crypto'
import type { ScheduledEvent } from 'aws-lambda'
import {
  createLambdaContext,
  type InvocationOutcome,
  invokeHandler,
  type LambdaHandler,
  LOCAL_ACCOUNT_ID,
} from './lambda'

/**
 * EventBridge schedules, locally: the handler runs every `periodMs` (a `rate(1 hour)` is sped up to
 * whatever period suits local work) with a Scheduled Event, or with the schedule's `input` when the
 * rule has one, as EventBridge passes it. Runs never overlap: a tick that finds a run in progress is
 * skipped, and `runNow` waits for the run in progress before starting its own.
 */

export interface SchedulerOptions {
  handler: LambdaHandler<unknown, unknown>
  functionName: string
  functionTimeoutMs: number
  /** Interval between runs; omit to run only through `runNow`. */
  periodMs?: number
  /** The schedule's `input` (passed instead of the Scheduled Event). */
  input?: unknown
  /** Rule name in the event's `resources` ARN; default `<functionName>-schedule`. */
  ruleName?: string
  region?: string
  onRun?: (report: ScheduledRunReport) => void
}

export interface ScheduledRunReport {
  functionName: string
  trigger: 'interval' | 'manual'
  outcome: InvocationOutcome<unknown>
}

export interface SchedulerStats {
  runs: number
  failures: number
  timeouts: number
  skippedTicks: number
  running: boolean
}

export interface Scheduler {
  /** Runs the handler now (after any run in progress) and returns its outcome. */
  runNow(input?: unknown): Promise<InvocationOutcome<unknown>>
  stop(): Promise<void>
  stats(): SchedulerStats
}

/** The event EventBridge sends for a scheduled rule. */
export function scheduledEvent(ruleArn: string, region: string, now = new Date()): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [ruleArn],
    detail: {},
  }
}

/** Starts the schedule (if `periodMs` is given) and returns a handle with `runNow`. */
export function startScheduler(options: SchedulerOptions): Scheduler {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1'
  const ruleArn = `arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${options.ruleName ?? `${options.functionName}-schedule`}`
  const stats: SchedulerStats = { runs: 0, failures: 0, timeouts: 0, skippedTicks: 0, running: false }
  let chain: Promise<unknown> = Promise.resolve()
  let pending = 0
  let stopped = false

  const run = async (
    trigger: ScheduledRunReport['trigger'],
    input: unknown,
  ): Promise<InvocationOutcome<unknown>> => {
    stats.running = true
    try {
      const event = input !== undefined ? input : scheduledEvent(ruleArn, region)
      const context = createLambdaContext({
        functionName: options.functionName,
        timeoutMs: options.functionTimeoutMs,
        region,
      })
      const outcome = await invokeHandler(options.handler, event, context, options.functionTimeoutMs)
      stats.runs++
      if (outcome.status === 'error') stats.failures++
      if (outcome.status === 'timeout') stats.timeouts++
      options.onRun?.({ functionName: options.functionName, trigger, outcome })
      return outcome
    } finally {
      stats.running = false
    }
  }

  const enqueue = (trigger: ScheduledRunReport['trigger'], input: unknown) => {
    pending++
    const next = chain.then(() => run(trigger, input)).finally(() => pending--)
    chain = next.catch(() => undefined)
    return next
  }

  const timer =
    options.periodMs === undefined
      ? undefined
      : setInterval(() => {
          if (stopped) return
          if (pending > 0) {
            stats.skippedTicks++
            return
          }
          void enqueue('interval', options.input)
        }, options.periodMs)
  timer?.unref()

  return {
    runNow: (input) => enqueue('manual', input !== undefined ? input : options.input),
    stop: async () => {
      stopped = true
      if (timer) clearInterval(timer)
      await chain
    },
    stats: () => ({ ...stats }),
  }
}
