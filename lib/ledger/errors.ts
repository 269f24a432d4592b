import type { LedgerEntry } from './types'

/** A conditional state change lost: the offer is no longer in a state that allows it. Carries the current entry. */
export class LedgerConflictError extends Error {
  override name = 'LedgerConflictError'
  constructor(
    message: string,
    readonly current: LedgerEntry | undefined,
  ) {
    super(message)
  }
}
