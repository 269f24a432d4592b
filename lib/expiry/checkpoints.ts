import { errorName } from './failures'
import type { SweepLogger, SweepSummary } from './types'

/** Where the last real run left off: its summary, and the partition the next run starts with. */
export type SweepCheckpoint = Omit<SweepSummary, 'actions'>

/**
 * Stores the sweep's checkpoint; the engine depends on this port (the ledger table keeps it in production:
 * `LedgerSweepCheckpoints` in lib/ledger).
 */
export interface SweepCheckpointStore {
  read(): Promise<SweepCheckpoint | undefined>
  write(checkpoint: SweepCheckpoint): Promise<void>
}

/**
 * The last run's checkpoint, or undefined when there is none or it cannot be read (the run then starts with the
 * first partition: a checkpoint only orders the work, it never decides what is due).
 */
export async function readCheckpoint(
  store: SweepCheckpointStore,
  log: SweepLogger,
): Promise<SweepCheckpoint | undefined> {
  try {
    return await store.read()
  } catch (error) {
    log.warn('Could not read the sweep checkpoint; starting from the first partition', {
      error: errorName(error),
    })
    return undefined
  }
}

/**
 * Stores the run's summary as the checkpoint; a failure is logged, never thrown (the work is done either way).
 */
export async function writeCheckpoint(
  store: SweepCheckpointStore,
  checkpoint: SweepCheckpoint,
  log: SweepLogger,
): Promise<void> {
  try {
    await store.write(checkpoint)
  } catch (error) {
    log.warn('Could not write the sweep checkpoint', { error: errorName(error) })
  }
}
