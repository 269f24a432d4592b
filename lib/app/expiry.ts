import { dynamoDocumentClient } from '../aws/clients'
import type { AppConfig } from '../config'
import {
  runSweep,
  type SweepCheckpoint,
  type SweepCheckpointStore,
  type SweepDeps,
  type SweepLogger,
  type SweepOptions,
  type SweepSummary,
} from '../expiry'
import { LedgerSweepCheckpoints } from '../ledger/SweepCheckpoints'
import { logger } from '../observability'
import { type AppContext, appContext } from './context'

/** One invocation of the sweep: who runs it, the time it judges by, and how long it has. */
export interface SweepInvocation {
  runId: string
  now: Date
  dryRun: boolean
  /** Time left before the invocation's limit (`context.getRemainingTimeInMillis`). */
  remainingTimeMs: () => number
}

/** What a caller may add to the sweep's dependencies (the command line reports progress and logs on stderr). */
export type SweepExtras = Partial<Pick<SweepDeps, 'onProgress' | 'logger'>>

/**
 * The sweep's options from the configuration (`CREDENTIAL_MAX_AGE_DAYS`, `SWEEP_TIME_MARGIN_MS`,
 * `SWEEP_PAGE_SIZE`, `SPARKFLY_CONCURRENCY`) and the run's own input.
 *
 * @example
 * sweepOptionsFrom(appContext().config, { runId: 'r1', now: new Date(), dryRun: true })
 */
export function sweepOptionsFrom(
  config: AppConfig,
  run: { runId: string; now: Date; dryRun: boolean },
): SweepOptions {
  return {
    runId: run.runId,
    now: run.now,
    dryRun: run.dryRun,
    credentialMaxAgeDays: config.CREDENTIAL_MAX_AGE_DAYS,
    timeMarginMs: config.SWEEP_TIME_MARGIN_MS,
    pageSize: config.SWEEP_PAGE_SIZE,
    concurrency: config.SPARKFLY_CONCURRENCY,
  }
}

/** The service's Powertools logger, as the sweep logs. */
const serviceLogger: SweepLogger = {
  info: (message, attributes = {}) => logger.info(message, attributes),
  warn: (message, attributes = {}) => logger.warn(message, attributes),
  error: (message, attributes = {}) => logger.error(message, attributes),
}

const checkpointStores = new WeakMap<AppContext, SweepCheckpointStore>()

/** The checkpoint item in the ledger table, one store per container's context. */
function checkpointsOf(app: AppContext): SweepCheckpointStore {
  let store = checkpointStores.get(app)
  if (!store) {
    store = new LedgerSweepCheckpoints<SweepCheckpoint>({
      tableName: app.config.LEDGER_TABLE,
      client: dynamoDocumentClient(),
    })
    checkpointStores.set(app, store)
  }
  return store
}

/**
 * The sweep's adapters from the container's context: the ledger, the offers port, the outbound events queue, the
 * checkpoint item in the ledger table and the service logger (unless `extra` gives another).
 *
 * @example
 * sweepDepsFrom(appContext(), () => context.getRemainingTimeInMillis())
 */
export function sweepDepsFrom(
  app: AppContext,
  remainingTimeMs: () => number,
  extra: SweepExtras = {},
): SweepDeps {
  return {
    ledger: app.ledger,
    offers: app.offers,
    publisher: app.publisher,
    checkpoints: checkpointsOf(app),
    eventSource: app.config.EVENT_SOURCE,
    remainingTimeMs,
    logger: serviceLogger,
    ...extra,
  }
}

/**
 * Runs the sweep once with the container's context.
 *
 * @example
 * await runExpirySweep({ runId: context.awsRequestId, now: new Date(), dryRun: false, remainingTimeMs: () => context.getRemainingTimeInMillis() })
 */
export function runExpirySweep(invocation: SweepInvocation, extra: SweepExtras = {}): Promise<SweepSummary> {
  const app = appContext()
  return runSweep(
    sweepOptionsFrom(app.config, invocation),
    sweepDepsFrom(app, invocation.remainingTimeMs, extra),
  )
}

/** The deployment stage (`STAGE`): the sweep accepts a `now` of its own only on `local`. */
export const sweepStage = (): string => appContext().config.STAGE
