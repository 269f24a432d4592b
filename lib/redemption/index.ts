export {
  type RedeemReceipt,
  RedeemRefusal,
  RedeemRefusedError,
  type RedemptionGateway,
  type SparkflyOffer,
} from './gateway'
export { RedemptionAnswerMetric, redemptionAnswerMetrics } from './metrics'
export { EXTERNAL_SOURCE_ID, type RedemptionDeps, redeemByCode } from './redeemByCode'
export {
  type FieldProblem,
  invalidBody,
  parseRedemptionRequest,
  RedemptionLimits,
  type RedemptionRequest,
} from './request'
export { type RedemptionAnswer, RedemptionProblems, redemptionResponse } from './responses'
export { type SparkflyRedemptionApi, sparkflyRedemptionGateway } from './sparkflyGateway'
export {
  type OfferSource,
  type OfferView,
  type RedemptionIncident,
  type RedemptionOutcome,
  RedemptionStatus,
} from './types'
