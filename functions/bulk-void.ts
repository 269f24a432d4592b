import { bulkVoidHandler } from '../lib/edge/voiding'

/** Void requests (SQS) -> Sparkfly voids, each recorded in the ledger and published as `offer.voided`. */
export const handler = bulkVoidHandler()
