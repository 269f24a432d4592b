import { dynamoDocumentClient } from '../aws/clients'
import { noteVoidIntent } from '../ledger/intents'
import type { VoidDeps } from '../voiding'
import { type AppContext, appContext } from './context'

let cached: { app: AppContext; deps: VoidDeps } | undefined

/**
 * Voiding's dependencies from the container's context: the offers port, the ledger and the event publisher. Built
 * once per context and reused by every request and record of the container.
 *
 * @example
 * await voidOffer(target, reason, actor, voidingDeps())
 */
export function voidingDeps(app: AppContext = appContext()): VoidDeps {
  if (cached?.app !== app) {
    cached = {
      app,
      deps: {
        offers: app.offers,
        ledger: app.ledger,
        publisher: app.publisher,
        eventSource: app.config.EVENT_SOURCE,
        noteVoidIntent: (offer, intent) =>
          noteVoidIntent({ tableName: app.ledger.tableName, client: dynamoDocumentClient() }, offer, intent),
      },
    }
  }
  return cached.deps
}
