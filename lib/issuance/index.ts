// Issuance: loyalty events -> Sparkfly offers, exactly once per (event, rule). Transport-free: the SQS edge is
// lib/edge/issuance.ts, the wiring lib/app/issuance.ts.

export {
  ISSUANCE_CLAIM_LIMITS,
  type IssuanceDeps,
  type IssuanceOutcome,
  type IssuedOfferRef,
  issueForEvent,
} from './issueForEvent'
export { externalRefId, type IssuanceWindow, issueRequest, windowFor } from './request'
export { type IssuanceRule, type IssuanceRules, loadRules, parseRules, rulesFor } from './rules'
