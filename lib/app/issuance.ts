import { sqsClient } from '../aws/clients'
import { requireSetting } from '../config'
import { type IssuanceDeps, type IssuanceRules, loadRules } from '../issuance'
import { appContext } from './context'

/** Who holds an issuance claim and when its Sparkfly calls must be over: what one attempt at one record brings to {@link issuanceDeps}. */
export type IssuanceAttempt = Pick<IssuanceDeps, 'owner' | 'deliveryId' | 'callDeadline'>

// Per container, not per record: the rules file is parsed once (again only if ISSUANCE_RULES changes).
let cachedRules: { name: string; rules: IssuanceRules } | undefined

/** The container's issuance rules (`ISSUANCE_RULES`), validated on first use. */
export function issuanceRules(): IssuanceRules {
  const name = appContext().config.ISSUANCE_RULES
  if (cachedRules?.name !== name) cachedRules = { name, rules: loadRules(name) }
  return cachedRules.rules
}

/**
 * Issuance's dependencies for one attempt, from the container's context: the shared offers port (built once per
 * container over the shared Sparkfly client), ledger and its issuance claims, event publisher and rules.
 *
 * @example
 * const outcomes = await issueForEvent(event, issuanceDeps({ owner: `${requestId}:${messageId}`, callDeadline }))
 */
export function issuanceDeps(attempt: IssuanceAttempt): IssuanceDeps {
  const app = appContext()
  return {
    offers: app.offers,
    ledger: app.ledger,
    claims: app.ledger.issuanceClaims,
    publisher: app.publisher,
    rules: issuanceRules(),
    eventSource: app.config.EVENT_SOURCE,
    ...attempt,
  }
}

/**
 * The issuance queue's settings for the SQS edge, read when first needed: the container's SQS client, the
 * dead-letter queue (`ISSUANCE_DLQ_URL`), how many records run at once (`SPARKFLY_CONCURRENCY`) and the ledger,
 * which remembers the messages it parked.
 */
export const issuanceQueue = {
  sqs: sqsClient,
  deadLetterQueueUrl: (): string => requireSetting(appContext().config, 'ISSUANCE_DLQ_URL'),
  concurrency: (): number => appContext().config.SPARKFLY_CONCURRENCY,
  parkings: () => appContext().ledger,
} as const
