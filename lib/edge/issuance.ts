import type { Context, SQSRecord } from 'aws-lambda'
import { TransientError } from '../errors'
import { parseLoyaltyEvent } from '../events/inbound'
import { type IssuanceDeps, type IssuanceOutcome, issueForEvent } from '../issuance'
import { logger, MetricUnit, metrics } from '../observability'

/** Builds issuance's dependencies for one attempt (see `issuanceDeps` in lib/app/issuance.ts). */
export type IssuanceDepsFor = (attempt: IssuanceAttempt) => IssuanceDeps

/** What one attempt at one record brings to issuance's dependencies. */
export type IssuanceAttempt = Pick<IssuanceDeps, 'owner' | 'deliveryId' | 'callDeadline'>

/** How issuance keeps clear of the invocation's deadline. */
export const ISSUANCE_DEADLINES = {
  /** Every Sparkfly call is over this long before the invocation's deadline (room to write the outcome). */
  marginMs: 1_000,
  /** A record is not started with less than this left before the call deadline: SQS retries it. */
  minStartMs: 1_000,
} as const

/**
 * The attempt at one record: held by this invocation and record, with every Sparkfly call over
 * {@link ISSUANCE_DEADLINES}.marginMs before the invocation's deadline. Throws {@link TransientError} without any
 * side effect when too little time is left to start (the record becomes a batch item failure).
 */
function attemptOf(record: SQSRecord, context: Context): IssuanceAttempt {
  const budgetMs = context.getRemainingTimeInMillis() - ISSUANCE_DEADLINES.marginMs
  if (budgetMs < ISSUANCE_DEADLINES.minStartMs) {
    throw new TransientError(`Too close to the invocation's deadline to start record ${record.messageId}`)
  }
  return {
    owner: `${context.awsRequestId}:${record.messageId}`,
    deliveryId: record.messageId,
    callDeadline: new Date(Date.now() + budgetMs),
  }
}

/** When SQS received the message: the start of an offer's window when the event carries no time. */
const receivedAt = (record: SQSRecord) => new Date(Number(record.attributes.SentTimestamp) || Date.now())

/** One metric and one log line per (event, rule); a metric and a line when no rule matched. */
function report(event: { id: string; type: string }, outcomes: IssuanceOutcome[]): void {
  if (outcomes.length === 0) {
    metrics.addMetric('EventsUnmatched', MetricUnit.Count, 1)
    logger.info('No issuance rule matches the event type; acknowledged', {
      eventType: event.type,
      eventId: event.id,
    })
  }
  for (const outcome of outcomes) {
    metrics.addMetric(
      outcome.status === 'duplicate' ? 'IssuanceDuplicates' : 'OffersIssued',
      MetricUnit.Count,
      1,
    )
    logger.info('Issuance', { eventId: event.id, ...outcome })
  }
}

/**
 * The issuance edge for one SQS record: leaves it to SQS when the invocation is near its deadline, else parses the
 * loyalty event, issues what the rules say under a claim held by this invocation, and reports the outcomes as metrics and logs. Failures propagate to `sqsBatchHandler`, which parks
 * the permanent ones (malformed events, Sparkfly's refusals) and lets SQS retry the rest.
 *
 * @example
 * export const handler = sqsBatchHandler({ ...issuanceQueue, handleRecord: issuanceRecordHandler(issuanceDeps) })
 */
export function issuanceRecordHandler(depsFor: IssuanceDepsFor) {
  return async (record: SQSRecord, context: Context): Promise<IssuanceOutcome[]> => {
    const attempt = attemptOf(record, context)
    const event = parseLoyaltyEvent(record.body)
    const outcomes = await issueForEvent(event, depsFor(attempt), receivedAt(record))
    report(event, outcomes)
    return outcomes
  }
}
