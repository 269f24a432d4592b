export { type LoyaltyEvent, parseLoyaltyEvent } from './inbound'
export {
  buildOfferEvent,
  type OfferCloudEvent,
  type OfferEventData,
  type OfferEventPublisher,
  OfferEventType,
  SqsOfferEventPublisher,
} from './outbound'
export { SnsOfferEventPublisher } from './snsPublisher'
