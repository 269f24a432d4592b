import type { OfferView, VoidConflict } from './types'

/** The target does not exist (in the ledger nor in Sparkfly), or not for the member given. */
export class VoidNotFoundError extends Error {
  override name = 'VoidNotFoundError'
}

/** The offer is not in a state that allows a void; carries the current state. */
export class VoidConflictError extends Error {
  override name = 'VoidConflictError'
  constructor(
    readonly conflict: VoidConflict,
    readonly offer: OfferView,
    message: string,
  ) {
    super(message)
  }
}
