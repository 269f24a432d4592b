export { type ClaimRelease, type IssuanceClaim, IssuanceClaims } from './claims'
export { LedgerConflictError } from './errors'
export { type ClaimResult, Ledger, type LedgerOptions, ledgerKey } from './Ledger'
export { idempotencyTableDefinition, LedgerIndex, ledgerTableDefinition } from './schema'
export {
  type LedgerEntry,
  LedgerStatus,
  type NewLedgerEntry,
  OfferKind,
  type TransitionFields,
} from './types'
