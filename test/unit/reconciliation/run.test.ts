import { describe, expect, it } from 'vitest'
import {
  type ActivitySource,
  type ActivityWindow,
  type ReconcileCheckpoint,
  type ReconcileDeps,
  type ReconcileOptions,
  runReconciliation,
} from '../../../lib/reconciliation'

const HOUR = 3_600_000
const NOW = new Date('2026-03-02T00:00:00.000Z')

/** Deps with no activity at all: what these tests look at is the walk over windows and the checkpoint. */
function setup(source: ActivitySource, options: { remaining?: () => number; checkpoint?: string } = {}) {
  let checkpoint: ReconcileCheckpoint | undefined = options.checkpoint
    ? { doneUntil: options.checkpoint, runId: 'earlier', updatedAt: options.checkpoint }
    : undefined
  const released: string[] = []
  const deps = {
    source,
    ledger: {
      claim: async () => ({ status: 'acquired', attempt: 1 }),
      releaseClaim: async (key: string) => void released.push(key),
      findByCode: async () => undefined,
    },
    reconciliation: {
      readCheckpoint: async () => checkpoint,
      writeCheckpoint: async (value: ReconcileCheckpoint) => {
        checkpoint = value
      },
    },
    publisher: { publish: async () => undefined },
    eventSource: 'urn:test',
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    remainingTimeMs: options.remaining ?? (() => 300_000),
  } as unknown as ReconcileDeps
  return { deps, checkpoint: () => checkpoint, released }
}

const options: ReconcileOptions = {
  runId: 'r',
  now: NOW,
  lagMs: 15 * 60_000,
  settleMs: 0,
  windowMs: HOUR,
  initialLookbackMs: 24 * HOUR,
  timeMarginMs: 30_000,
  truncationRetries: 1,
}

const empty = (): AsyncIterable<never> => ({ async *[Symbol.asyncIterator]() {} })

describe('runReconciliation: windows, checkpoint, time limit', () => {
  it('starts at the checkpoint minus the lag and walks one-hour windows up to now minus the settle time', async () => {
    const windows: ActivityWindow[] = []
    const { deps, checkpoint, released } = setup(
      {
        read: async (w) => {
          windows.push(w)
          return empty()
        },
      },
      { checkpoint: '2026-03-01T21:00:00.000Z' },
    )
    const summary = await runReconciliation({ ...options, settleMs: 120_000 }, deps)
    const settled = '2026-03-01T23:58:00.000Z'
    expect(windows[0]).toEqual({ from: '2026-03-01T20:45:00.000Z', to: '2026-03-01T21:45:00.000Z' })
    expect(windows.at(-1)?.to).toBe(settled)
    expect(summary).toMatchObject({ status: 'complete', windows: 4, doneUntil: settled })
    expect(checkpoint()?.doneUntil).toBe(settled)
    expect(released).toEqual(['lease#reconcile'])
  })

  it('stops starting windows before the time limit and keeps the checkpoint at the last complete one', async () => {
    let remaining = 300_000
    const { deps, checkpoint } = setup(
      {
        read: async () => {
          remaining -= 140_000
          return empty()
        },
      },
      { remaining: () => remaining, checkpoint: '2026-03-01T18:00:00.000Z' },
    )
    const summary = await runReconciliation(options, deps)
    expect(summary).toMatchObject({ status: 'stopped_for_time', windows: 2 })
    expect(checkpoint()?.doneUntil).toBe('2026-03-01T19:45:00.000Z')
  })

  it('a window whose stream stays cut ends the run as failed, the checkpoint before it', async () => {
    let reads = 0
    const cut = Object.assign(new Error('cut'), { retryable: true })
    const { deps, checkpoint } = setup(
      {
        read: async () => {
          reads += 1
          if (reads === 1) return empty()
          return {
            async *[Symbol.asyncIterator]() {
              yield* []
              throw cut
            },
          }
        },
      },
      { checkpoint: '2026-03-01T22:00:00.000Z' },
    )
    const summary = await runReconciliation(options, deps)
    expect(summary).toMatchObject({ status: 'failed', windows: 1, truncations: 2 })
    expect(reads).toBe(3)
    expect(checkpoint()?.doneUntil).toBe('2026-03-01T22:45:00.000Z')
  })
})
