export {
  DynamoSweepCheckpointStore,
  SWEEP_CHECKPOINT_KEY,
  type SweepCheckpoint,
  type SweepCheckpointStore,
} from './checkpoints'
export {
  type ExpiryGateway,
  type GatewayCallOptions,
  SparkflyOfferStatus,
  type SparkflyOfferView,
  VoidResult,
} from './gateway'
export { recordSweepMetrics, SweepMetric } from './metrics'
export { parseSweepRequest, type SweepRequest, SweepRequestError } from './request'
export {
  runSweep,
  SWEEP_DEFAULTS,
  SWEEP_LEASE_KEY,
  type SweepDeps,
  type SweepLedger,
  type SweepLogger,
  type SweepOptions,
  SweepReason,
  sweepClaimKey,
  sweepCutoffs,
} from './runSweep'
export { sparkflyExpiryGateway } from './sparkflyGateway'
export {
  type SweepAction,
  type SweepCounts,
  SweepFailureReason,
  SweepOutcome,
  type SweepProgress,
  SweepSkipReason,
  SweepStatus,
  type SweepSummary,
} from './types'
export { sweepDepsFrom, sweepOptionsFrom } from './wiring'
