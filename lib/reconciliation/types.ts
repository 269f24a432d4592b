import type { OfferEventPublisher } from '../events/outbound'
import type { Ledger } from '../ledger/Ledger'
import type { LedgerReconciliation } from '../ledger/reconciliation'

/** What Sparkfly reports happened to an offer (the report's `type`). */
export const ActivityKind = {
  redeem: 'redeem',
  expire: 'expire',
  issue: 'issue',
  void: 'void',
  suspend: 'suspend',
  unsuspend: 'unsuspend',
} as const
export type ActivityKind = (typeof ActivityKind)[keyof typeof ActivityKind]

/** One activity row, as the domain needs it (ids as strings of digits). */
export interface Activity {
  id: string
  kind: ActivityKind
  /** When Sparkfly reported it (ISO-8601). */
  at: string
  offerStateId?: string
  /** The credential identifier (the code scanned at the till). */
  code?: string
  offerId?: string
  channelId?: string
  memberId?: string
  memberIdentifier?: string
  externalRefId?: string
}

/** A half-open window `[from, to)` of report time, ISO-8601. */
export interface ActivityWindow {
  from: string
  to: string
}

/**
 * The port over Sparkfly's offer-activity report. `read` streams one window's rows; iterating throws when the
 * stream is cut (`retryable: true` on the error): the window is then read again.
 */
export interface ActivitySource {
  read(window: ActivityWindow): Promise<AsyncIterable<Activity>>
}

/** What one activity did to the ledger. */
export const ActivityOutcome = {
  /** The offer moved forward (or its suspension changed): a change made elsewhere. */
  applied: 'applied',
  /** Already applied (read twice, overlapping windows, a re-run after a crash). */
  duplicate: 'duplicate',
  /** The ledger already shows it (the change went through this project). */
  explained: 'explained',
  /** An offer this project did not issue, now recorded as such (no issuance event). */
  foreign: 'foreign',
  /** Sparkfly and the ledger disagree in a way no forward move explains (alarmed, never overwritten). */
  drift: 'drift',
  /** Names nothing the ledger can hold (a credential the project did not issue: the report gives no id). */
  unmatched: 'unmatched',
} as const
export type ActivityOutcome = (typeof ActivityOutcome)[keyof typeof ActivityOutcome]

/** How a run ended. */
export const ReconcileStatus = {
  complete: 'complete',
  stoppedForTime: 'stopped_for_time',
  /** A window could not be read completely after its retries; the checkpoint stays before it. */
  failed: 'failed',
  busy: 'busy',
} as const
export type ReconcileStatus = (typeof ReconcileStatus)[keyof typeof ReconcileStatus]

/** Settings of one run. */
export interface ReconcileOptions {
  runId: string
  now: Date
  /** Re-read this much before the checkpoint each run, for rows Sparkfly reports late. */
  lagMs: number
  /** Length of each report window (at most one day, the report's limit). */
  windowMs: number
  /**
   * Activity younger than this is left for the next run, so a change this project is making right now (Sparkfly
   * has redeemed, the webhook is still writing the ledger) is never mistaken for one made elsewhere.
   */
  settleMs: number
  /** Where a first run (no checkpoint) starts, back from `now`. */
  initialLookbackMs: number
  /** Stop starting windows this long before the time limit. */
  timeMarginMs: number
  /** Extra reads of a window whose stream was cut. */
  truncationRetries: number
  /** Classify only: no ledger write, no event, no checkpoint, no lease. */
  dryRun?: boolean
  /** An explicit range instead of checkpoint .. now (the CLI); the checkpoint still only moves forward. */
  from?: string
  to?: string
}

/** Structured logger (Powertools-like). */
export interface ReconcileLogger {
  info(message: string, fields?: Record<string, unknown>): void
  warn(message: string, fields?: Record<string, unknown>): void
  error(message: string, fields?: Record<string, unknown>): void
}

/** What a run needs. */
export interface ReconcileDeps {
  source: ActivitySource
  ledger: Pick<Ledger, 'claim' | 'releaseClaim' | 'findByCode'>
  reconciliation: Pick<
    LedgerReconciliation,
    'get' | 'transition' | 'note' | 'markPublished' | 'recordForeign' | 'readCheckpoint' | 'writeCheckpoint'
  >
  publisher: OfferEventPublisher
  eventSource: string
  logger: ReconcileLogger
  /** Milliseconds left before the time limit. */
  remainingTimeMs: () => number
  /** Called after each window (the CLI's progress line). */
  onWindow?: (window: ActivityWindow, counts: ReconcileCounts) => void
}

/** Counts of a run. */
export interface ReconcileCounts {
  windows: number
  rows: number
  outcomes: Record<ActivityOutcome, number>
  /** Applied changes by activity kind. */
  applied: Record<ActivityKind, number>
  published: number
  truncations: number
}

/** The stored checkpoint: everything before `doneUntil` was read completely. */
export interface ReconcileCheckpoint {
  doneUntil: string
  runId: string
  updatedAt: string
}

/** What a run returns (and logs). */
export interface ReconcileSummary extends ReconcileCounts {
  runId: string
  status: ReconcileStatus
  dryRun: boolean
  from: string
  to: string
  /** The checkpoint after the run (unchanged in a dry run). */
  doneUntil?: string
  /** Dry run: what each activity would do. */
  actions?: Array<{ activity: string; kind: ActivityKind; offer?: string; outcome: ActivityOutcome }>
}
