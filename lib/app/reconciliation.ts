import { dynamoDocumentClient } from '../aws/clients'
import { type AppConfig, ConfigurationError } from '../config'
import { LedgerReconciliation } from '../ledger/reconciliation'
import { logger } from '../observability'
import {
  type Activity,
  type ActivitySource,
  type ReconcileDeps,
  type ReconcileOptions,
  type ReconcileSummary,
  runReconciliation,
} from '../reconciliation'
import type { OfferActivityRow, SparkflyClient } from '../sparkfly'
import { type AppContext, appContext } from './context'

/** One invocation: who runs it, the time it judges by, how long it has, and an optional explicit range. */
export interface ReconcileInvocation {
  runId: string
  now: Date
  dryRun: boolean
  from?: string
  to?: string
  remainingTimeMs: () => number
}

/** What a caller may add (the command line's progress and logger). */
export type ReconcileExtras = Partial<Pick<ReconcileDeps, 'onWindow' | 'logger'>>

/** A report row as the domain's activity (ids as strings). */
export function activityFromRow(row: OfferActivityRow): Activity {
  const text = (value: unknown) =>
    value === undefined || value === null || value === '' ? undefined : String(value)
  const fields = {
    offerStateId: text(row.offer_state?.id),
    code: text(row.credential_identifier),
    offerId: text(row.offer_id),
    channelId: text(row.channel_id),
    memberId: text(row.member?.id),
    memberIdentifier: text(row.member?.identifier),
    externalRefId: text(row.offer_state?.external_ref_id),
  }
  const at = row.reported_at ?? row.processed_at ?? row.business_date ?? new Date(0).toISOString()
  return {
    id: String(row.id),
    kind: row.type,
    at: new Date(at).toISOString(),
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
  }
}

/** The activity port over the Sparkfly client: one report call per window, rows mapped as they stream. */
export function sparkflyActivitySource(client: SparkflyClient, config: AppConfig): ActivitySource {
  const channel = config.RECONCILE_CHANNEL_ID
    ? { channel_id: config.RECONCILE_CHANNEL_ID }
    : config.RECONCILE_CHANNEL_NAME
      ? { channel_name: config.RECONCILE_CHANNEL_NAME }
      : undefined
  if (!channel)
    throw new ConfigurationError('Missing configuration: RECONCILE_CHANNEL_ID or RECONCILE_CHANNEL_NAME')
  const timeoutMs = config.RECONCILE_REPORT_TIMEOUT_MS
  return {
    async read(window) {
      const rows = await client.reports.offerActivity(
        { from_reported_datetime: window.from, to_reported_datetime: window.to, ...channel },
        { timeoutMs, totalTimeoutMs: timeoutMs * 2 },
      )
      return {
        async *[Symbol.asyncIterator]() {
          for await (const row of rows) yield activityFromRow(row)
        },
      }
    },
  }
}

/** The run's options from the configuration and the invocation. */
export function reconcileOptionsFrom(config: AppConfig, invocation: ReconcileInvocation): ReconcileOptions {
  return {
    runId: invocation.runId,
    now: invocation.now,
    dryRun: invocation.dryRun,
    lagMs: config.RECONCILE_LAG_MS,
    settleMs: config.RECONCILE_SETTLE_MS,
    windowMs: config.RECONCILE_WINDOW_MS,
    initialLookbackMs: config.RECONCILE_INITIAL_LOOKBACK_MS,
    timeMarginMs: config.RECONCILE_TIME_MARGIN_MS,
    truncationRetries: 2,
    ...(invocation.from ? { from: invocation.from } : {}),
    ...(invocation.to ? { to: invocation.to } : {}),
  }
}

/** The run's adapters from the container's context. */
export function reconcileDepsFrom(
  app: AppContext,
  remainingTimeMs: () => number,
  extras: ReconcileExtras = {},
): ReconcileDeps {
  return {
    source: sparkflyActivitySource(app.sparkfly, app.config),
    ledger: app.ledger,
    reconciliation: new LedgerReconciliation({
      tableName: app.config.LEDGER_TABLE,
      client: dynamoDocumentClient(),
    }),
    publisher: app.publisher,
    eventSource: app.config.EVENT_SOURCE,
    logger: {
      info: (message, fields = {}) => logger.info(message, fields),
      warn: (message, fields = {}) => logger.warn(message, fields),
      error: (message, fields = {}) => logger.error(message, fields),
    },
    remainingTimeMs,
    ...extras,
  }
}

/** Runs reconciliation with the container's adapters. */
export function runReconcile(
  invocation: ReconcileInvocation,
  extras: ReconcileExtras = {},
): Promise<ReconcileSummary> {
  const app = appContext()
  return runReconciliation(
    reconcileOptionsFrom(app.config, invocation),
    reconcileDepsFrom(app, invocation.remainingTimeMs, extras),
  )
}
