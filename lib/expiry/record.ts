import { buildOfferEvent, OfferEventType } from '../events/outbound'
import { LedgerConflictError } from '../ledger/errors'
import { type LedgerEntry, LedgerStatus } from '../ledger/types'
import type { Offer } from '../offers'
import { SweepReason } from './options'
import type { SweepRun } from './run'
import { SweepOutcome } from './types'

/** How each outcome is written: the ledger state, the event, the reason. */
const RECORDING = {
  [SweepOutcome.voided]: {
    to: LedgerStatus.expired,
    type: OfferEventType.expired,
    reason: SweepReason.expired,
  },
  [SweepOutcome.notFound]: {
    to: LedgerStatus.expired,
    type: OfferEventType.expired,
    reason: SweepReason.expired,
  },
  [SweepOutcome.alreadyRedeemed]: {
    to: LedgerStatus.redeemed,
    type: OfferEventType.redeemed,
    reason: undefined,
  },
  [SweepOutcome.alreadyVoided]: {
    to: LedgerStatus.voided,
    type: OfferEventType.voided,
    reason: SweepReason.voidedInSparkfly,
  },
} as const

type RecordedStatus = (typeof RECORDING)[SweepOutcome]['to']

const TIME_FIELD = { expired: 'expiredAt', redeemed: 'redeemedAt', voided: 'voidedAt' } as const

/** When the change happened: the run's `now` for expiries, Sparkfly's own time of a redeem or void when it said. */
function timeOf(run: SweepRun, to: RecordedStatus, offer: Offer | undefined): string {
  if (to === LedgerStatus.redeemed) return offer?.redeemedAt ?? run.nowIso
  if (to === LedgerStatus.voided) return offer?.voidedAt ?? run.nowIso
  return run.nowIso
}

/**
 * Records an outcome: publishes the event first (a crash then loses no event; its id is deterministic), then
 * writes the ledger. False when another writer changed the offer meanwhile (the ledger write is refused).
 */
export async function recordOutcome(
  run: SweepRun,
  entry: LedgerEntry,
  outcome: SweepOutcome,
  offer: Offer | undefined,
): Promise<boolean> {
  const { to, type, reason } = RECORDING[outcome]
  const at = timeOf(run, to, offer)
  const why = reason ? { reason } : {}
  const projected: LedgerEntry = {
    ...entry,
    status: to,
    updatedAt: at,
    [TIME_FIELD[to]]: at,
    changedBy: run.owner,
    ...(reason ? { voidReason: reason } : {}),
  }
  const event = buildOfferEvent(type, projected, run.deps.eventSource, {
    changedBy: run.owner,
    occurredAt: at,
    ...why,
  })
  await run.deps.publisher.publish(event)
  try {
    await run.deps.ledger.transition(entry.kind, entry.id, to, { at, changedBy: run.owner, ...why })
    return true
  } catch (error) {
    if (!(error instanceof LedgerConflictError)) throw error
    run.log.error(
      'The ledger changed while the sweep handled an offer; its event may disagree with the ledger',
      {
        offer: entry.pk,
        published: type,
        ledgerStatus: error.current?.status,
      },
    )
    return false
  }
}
