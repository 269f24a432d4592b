export { type ApplyContext, applyActivity } from './apply'
export { RECONCILE_LEASE_KEY, runReconciliation } from './run'
export * from './types'
