import type { Context, SQSRecord } from 'aws-lambda'
import { parseLoyaltyEvent } from '../events/inbound'
import { type IssuanceDeps, type IssuanceOutcome, issueForEvent } from '../issuance'
import { logger, MetricUnit, metrics } from '../observability'

/** Builds issuance's dependencies for one attempt (see `issuanceDeps` in lib/app/issuance.ts). */
export type IssuanceDepsFor = (attempt: Pick<IssuanceDeps, 'owner' | 'leaseMs'>) => IssuanceDeps

/** How long past the invocation's end a claim outlives its holder (Lambda may still be finishing a call). */
const LEASE_GRACE_MS = 5_000

/**
 * The claim of one record's attempt: held by this invocation and record, for what is left of the invocation plus
 * a grace period (at least a second of it).
 */
function attemptOf(record: SQSRecord, context: Context): Pick<IssuanceDeps, 'owner' | 'leaseMs'> {
  return {
    owner: `${context.awsRequestId}:${record.messageId}`,
    leaseMs: Math.max(context.getRemainingTimeInMillis(), 1_000) + LEASE_GRACE_MS,
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
 * The issuance edge for one SQS record: parses the loyalty event, issues what the rules say under a claim held by
 * this invocation, and reports the outcomes as metrics and logs. Failures propagate to `sqsBatchHandler`, which parks
 * the permanent ones (malformed events, Sparkfly's refusals) and lets SQS retry the rest.
 *
 * @example
 * export const handler = sqsBatchHandler({ ...issuanceQueue, handleRecord: issuanceRecordHandler(issuanceDeps) })
 */
export function issuanceRecordHandler(depsFor: IssuanceDepsFor) {
  return async (record: SQSRecord, context: Context): Promise<IssuanceOutcome[]> => {
    const event = parseLoyaltyEvent(record.body)
    const outcomes = await issueForEvent(event, depsFor(attemptOf(record, context)), receivedAt(record))
    report(event, outcomes)
    return outcomes
  }
}
