// Redemption: the POS redeems the code scanned at the till. Transport-free; lib/edge/redemption.ts answers HTTP.

export { type DeliveryRef, redeemDelivery } from './delivery'
export { type FieldProblem, InvalidRedemptionRequest } from './errors'
export { EXTERNAL_SOURCE_ID } from './record'
export { type Decision, decideRedemption, redeemByCode } from './redeemByCode'
export { parseRedemptionRequest, RedemptionLimits, type RedemptionRequest } from './request'
export {
  type DeliveryResult,
  type EarlierAttempt,
  type OfferSource,
  type OfferView,
  type RedemptionDeps,
  type RedemptionIncident,
  type RedemptionOutcome,
  RedemptionStatus,
} from './types'
