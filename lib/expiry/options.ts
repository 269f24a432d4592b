import type { OfferEventPublisher } from '../events/outbound'
import { type Ledger, ledgerKey } from '../ledger/Ledger'
import { OfferKind } from '../ledger/types'
import type { Offers } from '../offers'
import type { SweepCheckpointStore } from './checkpoints'
import type { SweepLogger, SweepProgress } from './types'

/** The ledger operations the sweep uses (a `Ledger` satisfies it). */
export type SweepLedger = Pick<
  Ledger,
  'shards' | 'dueForSweep' | 'get' | 'transition' | 'claim' | 'completeClaim' | 'releaseClaim'
>

/** The offers port operations the sweep uses: read an offer's status at Sparkfly, void it. */
export type SweepOffers = Pick<Offers, 'get' | 'void'>

/** What one run does. */
export interface SweepOptions {
  /** Identifies the run: lease owner, `changedBy: sweep:<runId>` in the ledger and events. */
  runId: string
  /** The time validity is judged by (real time, except on the local stage where the sandbox clock may be used). */
  now: Date
  /** Report what would happen; write nothing (no lease, no claim, no void, no ledger change, no event). */
  dryRun?: boolean
  /** Credentials issued this many days before `now` or earlier are expired. */
  credentialMaxAgeDays: number
  /** Stop starting work when less than this is left of the Lambda time. */
  timeMarginMs: number
  /** Offers read per ledger page. */
  pageSize: number
  /** Offers handled at the same time (each makes up to two Sparkfly calls). */
  concurrency: number
  /** Stop the run after this many failures in a row (a Sparkfly outage). Default 10. */
  maxConsecutiveFailures?: number
  /** Count the offers left due up to this many (default 5000). */
  remainingCountLimit?: number
}

/** The sweep's adapters. */
export interface SweepDeps {
  ledger: SweepLedger
  offers: SweepOffers
  publisher: OfferEventPublisher
  checkpoints: SweepCheckpointStore
  /** CloudEvents `source` of the events published. */
  eventSource: string
  /** Time left before the Lambda time limit (`context.getRemainingTimeInMillis`). */
  remainingTimeMs: () => number
  logger: SweepLogger
  /** Wall clock for leases and durations (default: real time). Independent of `options.now`. */
  clock?: () => Date
  /** Waits (429 back-off); default setTimeout. */
  sleep?: (ms: number) => Promise<void>
  /** Called after every offer handled. */
  onProgress?: (progress: SweepProgress) => void
}

/** Defaults and fixed values of the sweep. */
export const SWEEP_DEFAULTS = {
  maxConsecutiveFailures: 10,
  remainingCountLimit: 5_000,
  remainingCountPageSize: 1_000,
  /** The run lease outlives the run's remaining time by this much (a crashed run's lease then lapses). */
  runLeaseSlackMs: 30_000,
  /** Offer claims outlive the run lease, so an overlapping run never takes an offer that is in flight. */
  claimLeaseSlackMs: 60_000,
  /** Sparkfly calls are aborted this close to the time limit at the latest. */
  maxHardMarginMs: 5_000,
  /** Back-off after a 429 without Retry-After. */
  rateLimitPauseMs: 1_000,
  maxActionsListed: 200,
} as const

/** Reasons recorded on the ledger and in the events. */
export const SweepReason = {
  /** Offers the sweep expires (`voidReason` in the ledger, `data.reason` of `offer.expired`). */
  expired: 'expired',
  /** Offers found voided in Sparkfly by someone other than the project. */
  voidedInSparkfly: 'voided_in_sparkfly',
} as const
export type SweepReason = (typeof SweepReason)[keyof typeof SweepReason]

/** The run lease: one real run at a time. */
export const SWEEP_LEASE_KEY = ledgerKey.lease('sweep')

/**
 * The per-offer claim taken before the Sparkfly void.
 *
 * @example
 * sweepClaimKey('os#123') // 'claim#sweep:os#123'
 */
export const sweepClaimKey = (pk: string) => ledgerKey.claim(`sweep:${pk}`)

const DAY_MS = 86_400_000

/**
 * The cutoffs of a sweep at `now`: offer states whose `expiresAt` is at or before `now`, credentials issued at or
 * before `now - credentialMaxAgeDays`.
 *
 * @example
 * sweepCutoffs(new Date('2026-03-01T00:00:00Z'), 90).credential // '2025-12-01T00:00:00.000Z'
 */
export function sweepCutoffs(now: Date, credentialMaxAgeDays: number): Record<OfferKind, string> {
  return {
    [OfferKind.offerState]: now.toISOString(),
    [OfferKind.credential]: new Date(now.getTime() - credentialMaxAgeDays * DAY_MS).toISOString(),
  }
}
