// Voiding: one engine (`voidOffer`) behind the staff API and the bulk queue, free of any transport.

export {
  BulkVoidFailure,
  type BulkVoidOutcome,
  BulkVoidStatus,
  bulkActor,
  parseVoidRequest,
  processVoidRequest,
} from './bulk'
export { VoidConflictError, VoidNotFoundError } from './errors'
export {
  describeIssues,
  type FieldIssue,
  type Parsed,
  parseStaffVoid,
  StaffTargetKind,
  type StaffVoid,
  type VoidRequestMessage,
  voidRequestMessageSchema,
  voidTargetSchema,
} from './requests'
export {
  type OfferView,
  type VoidActor,
  VoidConflict,
  VoidLimits,
  type VoidResult,
  type VoidTarget,
} from './types'
export { offerView, remoteView } from './view'
export { describeTarget, type VoidDeps, voidOffer } from './voidOffer'
