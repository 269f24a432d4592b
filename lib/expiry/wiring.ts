import type { AppContext } from '../app/context'
import { dynamoDocumentClient } from '../aws/clients'
import type { AppConfig } from '../config'
import { DynamoSweepCheckpointStore } from './checkpoints'
import type { SweepDeps, SweepOptions } from './runSweep'
import { sparkflyExpiryGateway } from './sparkflyGateway'

/**
 * The sweep's options from the configuration (`CREDENTIAL_MAX_AGE_DAYS`, `SWEEP_TIME_MARGIN_MS`,
 * `SWEEP_PAGE_SIZE`, `SPARKFLY_CONCURRENCY`) and the run's own input.
 */
export function sweepOptionsFrom(
  config: AppConfig,
  run: { runId: string; now: Date; dryRun: boolean },
): SweepOptions {
  return {
    ...run,
    credentialMaxAgeDays: config.CREDENTIAL_MAX_AGE_DAYS,
    timeMarginMs: config.SWEEP_TIME_MARGIN_MS,
    pageSize: config.SWEEP_PAGE_SIZE,
    concurrency: config.SPARKFLY_CONCURRENCY,
  }
}

/**
 * The sweep's adapters from the container's context: the ledger, the Sparkfly client, the outbound events queue
 * and the checkpoint item in the ledger table.
 */
export function sweepDepsFrom(
  app: AppContext,
  remainingTimeMs: () => number,
  extra: Pick<SweepDeps, 'onProgress' | 'logger'> = {},
): SweepDeps {
  return {
    ledger: app.ledger,
    gateway: sparkflyExpiryGateway(app.sparkfly),
    publisher: app.publisher,
    checkpoints: new DynamoSweepCheckpointStore({
      tableName: app.config.LEDGER_TABLE,
      client: dynamoDocumentClient(),
    }),
    eventSource: app.config.EVENT_SOURCE,
    remainingTimeMs,
    ...extra,
  }
}
