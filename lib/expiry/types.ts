import type { OfferKind } from '../ledger/types'

/** How a sweep run ended. */
export const SweepStatus = {
  /** Every due offer was examined. */
  complete: 'complete',
  /** Stopped `timeMarginMs` before the Lambda time limit; the next run continues. */
  stoppedForTime: 'stopped_for_time',
  /** Stopped after too many Sparkfly failures in a row (outage); the next run continues. */
  stoppedForFailures: 'stopped_for_failures',
  /** Another run holds the sweep lease: this one did nothing. */
  busy: 'busy',
} as const
export type SweepStatus = (typeof SweepStatus)[keyof typeof SweepStatus]

/** What the sweep did (or, in a dry run, would do) with one due offer. */
export const SweepOutcome = {
  /** Sparkfly still held it as redeemable: voided there, marked expired, `offer.expired` published. */
  voided: 'voided',
  /** Sparkfly had already redeemed it: the ledger is brought in line (`redeemed`, `offer.redeemed`). */
  alreadyRedeemed: 'alreadyRedeemed',
  /** Sparkfly had already voided it (not this sweep): the ledger is brought in line (`voided`, `offer.voided`). */
  alreadyVoided: 'alreadyVoided',
  /** Sparkfly does not know it any more (404): nothing can redeem it; marked expired, `offer.expired` published. */
  notFound: 'notFound',
} as const
export type SweepOutcome = (typeof SweepOutcome)[keyof typeof SweepOutcome]

/** Why a due offer was left untouched by this run. */
export const SweepSkipReason = {
  /** Another run holds this offer's claim right now. */
  busy: 'busy',
  /** The ledger no longer shows it as issued (changed since the index was read). */
  stale: 'stale',
  /** The ledger changed between the Sparkfly check and the write (another writer won). */
  conflict: 'conflict',
} as const
export type SweepSkipReason = (typeof SweepSkipReason)[keyof typeof SweepSkipReason]

/** Why handling one offer failed (it stays due and the next run tries again). */
export const SweepFailureReason = {
  rateLimited: 'rate_limited',
  sparkflyUnavailable: 'sparkfly_unavailable',
  sparkflyRejected: 'sparkfly_rejected',
  aborted: 'aborted',
  internal: 'internal',
} as const
export type SweepFailureReason = (typeof SweepFailureReason)[keyof typeof SweepFailureReason]

/** One planned or performed action, listed in dry runs. */
export interface SweepAction {
  kind: OfferKind
  id: string
  memberId?: string
  /** When its validity ended: `expiresAt` (offer states) or `issuedAt` (credentials). */
  dueAt?: string
  outcome: SweepOutcome
}

/** Counts of a sweep run. */
export interface SweepCounts {
  /** Due offers examined. */
  found: number
  /** Voided in Sparkfly by the sweep (dry run: would void). */
  voided: number
  /** Found already redeemed in Sparkfly. */
  alreadyRedeemed: number
  /** Found already voided in Sparkfly by someone else. */
  alreadyVoided: number
  /** Unknown to Sparkfly (404), marked expired without a void. */
  notFound: number
  /** Marked expired in the ledger (voided + notFound). */
  expired: number
  /** Left untouched, by reason. */
  skipped: Record<SweepSkipReason, number>
  /** Failed (left due for the next run). */
  failed: number
  failures: Record<SweepFailureReason, number>
}

/** What a run returns (and, for real runs, stores as the checkpoint). */
export interface SweepSummary extends SweepCounts {
  runId: string
  dryRun: boolean
  status: SweepStatus
  /** The time the sweep judged validity by. */
  now: string
  /** Offer states due when `expiresAt <= offerState`; credentials when `issuedAt <= credential`. */
  cutoffs: Record<OfferKind, string>
  startedAt: string
  finishedAt: string
  durationMs: number
  /** Offers still due after the run (at most `remainingCountLimit`; `remainingCapped` when there are more). */
  remaining: number
  remainingCapped: boolean
  /** Where the next run starts when this one stopped early. */
  resumeFrom?: { kind: OfferKind; shard: number }
  /** Dry runs: the offers examined and what would happen to each (first 200). */
  actions?: SweepAction[]
}

/** Progress reported while a run goes (after every offer). */
export interface SweepProgress extends SweepCounts {
  partition: { kind: OfferKind; shard: number }
}

/** The logging surface the sweep uses (the composition root adapts the service's Powertools logger to it). */
export interface SweepLogger {
  info(message: string, attributes?: Record<string, unknown>): void
  warn(message: string, attributes?: Record<string, unknown>): void
  error(message: string, attributes?: Record<string, unknown>): void
}
