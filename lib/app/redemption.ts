import { dynamoDocumentClient } from '../aws/clients'
import { getConfig, requireSetting } from '../config'
import { RedemptionIntents } from '../ledger/intents'
import { logger, MetricUnit, metrics } from '../observability'
import { type CallOptions, withCallOptions } from '../offers'
import type { RedemptionDeps, RedemptionIncident, RedemptionOutcome } from '../redemption'
import { WebhookSecretProblem, type WebhookSecretReport, webhookKeyring } from '../webhooks'
import type { AppContext } from './context'

/** Largest Sparkfly time budget per call, and what is kept back for the ledger, the event and the answer. */
export const SPARKFLY_BUDGET = { maxMs: 8_000, minMs: 1_000, reserveMs: 1_500 } as const

/**
 * Counts a misconfigured webhook secret (`WebhookSecretMisconfigured`, alarmed) at each request that meets it, and
 * logs what is wrong: the secret id and the kind of problem, never a value.
 */
export function reportWebhookSecret(report: WebhookSecretReport): void {
  metrics.addMetric('WebhookSecretMisconfigured', MetricUnit.Count, 1)
  const fields = { secretId: report.secretId, problem: report.problem, brokenEntries: report.brokenEntries }
  if (report.problem === WebhookSecretProblem.brokenEntries) {
    logger.warn('Webhook secret has entries that are not whsec_ keys; the others are used', fields)
  } else logger.error('Webhook secret has no usable key; the webhook answers 503', fields)
}

/**
 * The POS webhook's signing keys (`WEBHOOK_SECRET_ID`), one keyring per container; the id is read on first use.
 * Problems with the secret are reported by {@link reportWebhookSecret}.
 */
export const posWebhookKeyring = webhookKeyring({
  secretId: () => requireSetting(getConfig(), 'WEBHOOK_SECRET_ID'),
  onProblem: reportWebhookSecret,
})

/**
 * The time budget of one Sparkfly call when `remainingMs` is left of the invocation: what remains after the
 * reserve, between {@link SPARKFLY_BUDGET}'s `minMs` and `maxMs`.
 */
export function sparkflyBudget(remainingMs: number): CallOptions {
  return {
    totalTimeoutMs: Math.max(
      SPARKFLY_BUDGET.minMs,
      Math.min(SPARKFLY_BUDGET.maxMs, remainingMs - SPARKFLY_BUDGET.reserveMs),
    ),
  }
}

/**
 * Reports what went wrong after Sparkfly redeemed. A stale ledger (redeemed or voided elsewhere) is routine
 * (`RedemptionLedgerStale`, a warning); the other kinds need reconciling (`RedemptionIncidents`, alarmed, an error).
 */
export function reportIncident(incident: RedemptionIncident): void {
  const stale = incident.kind === 'stale_ledger'
  metrics.addMetric(stale ? 'RedemptionLedgerStale' : 'RedemptionIncidents', MetricUnit.Count, 1)
  const fields = {
    incident: incident.kind,
    offer: incident.offer,
    error: incident.error as Error | undefined,
  }
  if (stale) logger.warn('Ledger was behind Sparkfly', fields)
  else logger.error('Redemption not fully recorded; reconcile the ledger / offer events', fields)
}

/** The POS delivery a redemption runs for. */
export interface RedemptionDelivery {
  /** The verified `webhook-id`. */
  webhookId: string
  /** What is left of the invocation, in ms (read at each Sparkfly call). */
  remainingMs: () => number
}

/** How much longer than the invocation's remaining time a delivery stays held (then a retry may take it over). */
const LEASE_MARGIN_MS = 2_000

let intents: { app: AppContext; store: RedemptionIntents<RedemptionOutcome> } | undefined

/** The webhook's delivery records and redemption intents (`IDEMPOTENCY_TABLE`), once per context. */
export function redemptionIntents(app: AppContext): RedemptionIntents<RedemptionOutcome> {
  if (intents?.app !== app) {
    const tableName = requireSetting(app.config, 'IDEMPOTENCY_TABLE')
    intents = { app, store: new RedemptionIntents({ tableName, client: dynamoDocumentClient() }) }
  }
  return intents.store
}

/**
 * What a redemption (`redeemDelivery`) needs for one delivery, from the container's context: every Sparkfly call gets a time budget
 * that fits what is left of the invocation, incidents are reported, the ledger and the event name the delivery.
 *
 * @example
 * const result = await redeemDelivery(ref, request, redemptionDeps(appContext(), { webhookId, remainingMs }))
 */
export function redemptionDeps(app: AppContext, delivery: RedemptionDelivery): RedemptionDeps {
  return {
    ledger: app.ledger,
    offers: withCallOptions(app.offers, () => sparkflyBudget(delivery.remainingMs())),
    publisher: app.publisher,
    eventSource: app.config.EVENT_SOURCE,
    requestId: delivery.webhookId,
    changedBy: `pos-webhook:${delivery.webhookId}`,
    credentialMaxAgeDays: app.config.CREDENTIAL_MAX_AGE_DAYS,
    intents: redemptionIntents(app),
    leaseMs: () => delivery.remainingMs() + LEASE_MARGIN_MS,
    onIncident: reportIncident,
  }
}
