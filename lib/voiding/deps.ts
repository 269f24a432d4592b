import type { AppContext } from '../app/context'
import { sparkflyVoidGateway } from './sparkflyGateway'
import type { VoidDeps } from './voidOffer'

/** Voiding's adapters from the container's context (Sparkfly client, ledger, event publisher). */
export function voidDeps(app: AppContext): VoidDeps {
  return {
    gateway: sparkflyVoidGateway(app.sparkfly),
    ledger: app.ledger,
    publisher: app.publisher,
    eventSource: app.config.EVENT_SOURCE,
  }
}
