import type { LedgerEntry } from '../ledger/types'
import { OfferKind } from '../ledger/types'
import type { SweepCheckpoint } from './checkpoints'
import { SWEEP_DEFAULTS, type SweepLedger } from './options'
import type { Partition } from './run'

/**
 * Every partition of the sweep index (offer states, then credentials, shard by shard), starting with the one the
 * last run stopped in.
 */
export function orderedPartitions(shards: number, checkpoint: SweepCheckpoint | undefined): Partition[] {
  const all: Partition[] = []
  for (const kind of [OfferKind.offerState, OfferKind.credential]) {
    for (let shard = 0; shard < shards; shard += 1) all.push({ kind, shard })
  }
  const from = checkpoint?.resumeFrom
  const start = from ? all.findIndex((p) => p.kind === from.kind && p.shard === from.shard) : -1
  return start > 0 ? [...all.slice(start), ...all.slice(0, start)] : all
}

/**
 * The pages of offers due in one partition (`sweepAt <= cutoff`), read from the ledger's sparse `bySweep` index
 * one page at a time; no further page is read once `stop()` says so.
 */
export async function* duePages(
  ledger: SweepLedger,
  partition: Partition,
  cutoff: string,
  pageSize: number,
  stop: () => boolean = () => false,
): AsyncGenerator<LedgerEntry[]> {
  let startKey: Record<string, unknown> | undefined
  do {
    if (stop()) return
    const page = await ledger.dueForSweep(partition.kind, partition.shard, cutoff, {
      limit: pageSize,
      ...(startKey ? { startKey } : {}),
    })
    yield page.items
    startKey = page.nextKey
  } while (startKey)
}

/** Offers still due in every partition, counted up to `limit`. */
export async function countRemaining(
  ledger: SweepLedger,
  cutoffs: Record<OfferKind, string>,
  limit: number,
): Promise<{ count: number; capped: boolean }> {
  let total = 0
  for (const partition of orderedPartitions(ledger.shards, undefined)) {
    const pageSize = SWEEP_DEFAULTS.remainingCountPageSize
    for await (const items of duePages(ledger, partition, cutoffs[partition.kind], pageSize)) {
      total += items.length
      if (total >= limit) return { count: limit, capped: true }
    }
  }
  return { count: total, capped: false }
}
