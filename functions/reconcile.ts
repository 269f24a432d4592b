import { runReconcile } from '../lib/app/reconciliation'
import { reconcileHandler } from '../lib/edge/reconciliation'
import { logger, metrics } from '../lib/observability'

/**
 * Reconciliation (EventBridge schedule, or invoked by hand with `{"dryRun": true, "from": ..., "to": ...}`): applies
 * Sparkfly's offer activity to the ledger and publishes the changes made elsewhere. Returns the run's summary.
 */
export const handler = reconcileHandler({
  reconcile: (invocation) => runReconcile(invocation),
  logger,
  metrics,
})
