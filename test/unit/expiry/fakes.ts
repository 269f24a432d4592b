import type { OfferCloudEvent, OfferEventPublisher } from '../../../lib/events/outbound'
import type { SweepCheckpoint, SweepCheckpointStore, SweepLogger, SweepOffers } from '../../../lib/expiry'
import type { LedgerEntry } from '../../../lib/ledger/types'
import { type OfferRef, OfferStatus } from '../../../lib/offers'
import type { FakeOffers } from '../../support/fakeOffers'

/** When Sparkfly says a seeded offer was redeemed or voided. */
export const SPARKFLY_TIME = '2026-02-20T10:00:00.000Z'

/** Where a ledger entry stands at Sparkfly in a test: one of the port's statuses, or unknown there. */
export type SparkflyState = OfferStatus | 'notFound'

/** Seeds `offers` with the offer behind a ledger entry (nothing for `notFound`). */
export function seedFor(
  offers: FakeOffers,
  entry: LedgerEntry,
  state: SparkflyState = OfferStatus.open,
): void {
  if (state === 'notFound') return
  const { kind, id, code, memberId } = entry
  offers.seed({
    kind,
    id,
    status: state,
    ...(code ? { code } : {}),
    ...(memberId ? { memberId } : {}),
    ...(state === OfferStatus.redeemed ? { redeemedAt: SPARKFLY_TIME } : {}),
    ...(state === OfferStatus.voided ? { voidedAt: SPARKFLY_TIME } : {}),
  })
}

/** Void calls the fake received for one offer (failed ones included). */
export const voidsOf = (offers: FakeOffers, entry: LedgerEntry): number =>
  offers.callsOf('void').filter((call) => (call.args[0] as OfferRef).id === entry.id).length

/**
 * The sweep's view of the fake with hooks: `afterCall` runs on every call (e.g. to make time pass), `holdVoid`
 * is awaited after a void took effect (holds the call in flight).
 */
export function hooked(
  offers: FakeOffers,
  hooks: { afterCall?: () => void; holdVoid?: (ref: OfferRef) => Promise<void> },
): SweepOffers {
  return {
    get: async (ref, options) => {
      hooks.afterCall?.()
      return offers.get(ref, options)
    },
    void: async (ref, options) => {
      hooks.afterCall?.()
      const outcome = await offers.void(ref, options)
      await hooks.holdVoid?.(ref)
      return outcome
    },
  }
}

/** Keeps published events in order. */
export class FakePublisher implements OfferEventPublisher {
  readonly events: OfferCloudEvent[] = []
  async publish(event: OfferCloudEvent): Promise<void> {
    this.events.push(event)
  }
}

/** Checkpoint store in memory. */
export class MemoryCheckpoints implements SweepCheckpointStore {
  value?: SweepCheckpoint
  writes = 0
  async read() {
    return this.value
  }
  async write(checkpoint: SweepCheckpoint) {
    this.writes += 1
    this.value = checkpoint
  }
}

/** A logger that keeps what it was told (and prints nothing). */
export class MemoryLogger implements SweepLogger {
  readonly lines: Array<{ level: string; message: string; attributes?: Record<string, unknown> }> = []
  info(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, attributes })
  }
  warn(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, attributes })
  }
  error(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, attributes })
  }
}
