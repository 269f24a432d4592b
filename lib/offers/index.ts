// The offers port: what the domains need from Sparkfly, in their vocabulary, and its adapter over lib/sparkfly.

export { type Applied, type CallFailure, callFailure } from './errors'
export { compact, type SparkflyOffersApi, sparkflyOffers, withCallOptions } from './sparkflyOffers'
export {
  type CallOptions,
  type IssueRequest,
  type Offer,
  type OfferRef,
  OfferStatus,
  type Offers,
  type RedeemOutcome,
  RedeemRefusal,
  type VoidOutcome,
} from './types'
