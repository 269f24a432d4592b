// The voiding domain's edges: the staff HTTP API and the bulk void queue.

export { bulkVoidHandler, handleBulkVoidRecord } from './bulk'
export {
  handleStaffVoid,
  idempotencyKeyOf,
  parseStaffVoidRequest,
  requireStaffIdentity,
  requireStaffScope,
  type StaffVoidDeps,
  type StaffVoidRequest,
  StaffVoidRoute,
  staffScopes,
  staffSubject,
  staffVoidDeps,
  staffVoidMetrics,
  staffVoidMiddlewares,
  voidProblem,
} from './staff'
