// The expiry sweep: voids in Sparkfly the offers whose validity ended, marks them expired, publishes the events.
// Transport-free: the schedule's edge is lib/edge/expiry.ts, its wiring lib/app/expiry.ts.

export type { SweepCheckpoint, SweepCheckpointStore } from './checkpoints'
export { failureReason, SweepAbortedError } from './failures'
export {
  SWEEP_DEFAULTS,
  SWEEP_LEASE_KEY,
  type SweepDeps,
  type SweepLedger,
  type SweepOffers,
  type SweepOptions,
  SweepReason,
  sweepClaimKey,
  sweepCutoffs,
} from './options'
export { parseSweepRequest, type SweepRequest, SweepRequestError } from './request'
export { runSweep } from './runSweep'
export {
  type SweepAction,
  type SweepCounts,
  SweepFailureReason,
  type SweepLogger,
  SweepOutcome,
  type SweepProgress,
  SweepSkipReason,
  SweepStatus,
  type SweepSummary,
} from './types'
