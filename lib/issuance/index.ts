export type { CredentialRequest, IssuanceGateway, IssuedOffer, OfferStateRequest } from './gateway'
export { externalRefId, type IssuanceDeps, type IssuanceOutcome, issueForEvent } from './issueForEvent'
export { type IssuanceRule, type IssuanceRules, loadRules, parseRules, rulesFor } from './rules'
export { sparkflyIssuanceGateway } from './sparkflyGateway'
