// The voiding domain's edges: the staff HTTP API and the bulk void queue.

export { bulkVoidHandler, handleBulkVoidRecord } from './bulk'
export {
  handleStaffVoid,
  idempotencyKeyOf,
  parseStaffVoidRequest,
  requireStaffIdentity,
  type StaffVoidDeps,
  type StaffVoidRequest,
  StaffVoidRoute,
  staffSubject,
  staffVoidDeps,
  staffVoidMetrics,
  staffVoidMiddlewares,
  voidProblem,
} from './staff'
