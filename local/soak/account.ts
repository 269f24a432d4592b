/** The soak's accounting: what every event, offer and dead letter ended as (pure functions over what was read). */
import { EventKind, EXPECTED_DLQ_REASON, type PlannedEvent } from './plan'
import type { DrainedMessage, SandboxOffer } from './probes'

export interface DlqAccount {
  dlqByReason: Record<string, number>
  /** Event id -> the failure reason it was parked with. */
  parkedWithReason: Map<string, string>
}

export function accountDlq(dlq: readonly DrainedMessage[]): DlqAccount {
  const dlqByReason: Record<string, number> = {}
  const parkedWithReason = new Map<string, string>()
  for (const message of dlq) {
    const reason = message.reason ?? 'redrive (no reason: maxReceiveCount exceeded)'
    dlqByReason[reason] = (dlqByReason[reason] ?? 0) + 1
    const id = /"id"\s*:\s*"([^"]+)"/.exec(message.body)?.[1]
    if (id && message.reason) parkedWithReason.set(id, message.reason)
  }
  return { dlqByReason, parkedWithReason }
}

export interface OfferCount {
  /** External ref id -> offers the sandbox holds for it. */
  byRef: Map<string, number>
  duplicates: number
  /** First 20 refs with more than one offer. */
  duplicateRefs: string[]
}

export function countOffers(offers: readonly SandboxOffer[]): OfferCount {
  const byRef = new Map<string, number>()
  for (const offer of offers) {
    const ref = String(offer.external_ref_id)
    byRef.set(ref, (byRef.get(ref) ?? 0) + 1)
  }
  let duplicates = 0
  const duplicateRefs: string[] = []
  for (const [ref, count] of byRef) {
    duplicates += Math.max(0, count - 1)
    if (count > 1 && duplicateRefs.length < 20) duplicateRefs.push(ref)
  }
  return { byRef, duplicates, duplicateRefs }
}

export interface EventAccount {
  lost: string[]
  unknownTypeAcknowledged: number
  validEventsParked: number
}

/** Each event either ended as its kind must (issued, acknowledged, parked with its reason), or is lost. */
export function accountEvents(
  events: readonly PlannedEvent[],
  parkedWithReason: ReadonlyMap<string, string>,
  byRef: ReadonlyMap<string, number>,
): EventAccount {
  const account: EventAccount = { lost: [], unknownTypeAcknowledged: 0, validEventsParked: 0 }
  for (const event of events) {
    const parked = parkedWithReason.get(event.id)
    const expectedReason = EXPECTED_DLQ_REASON[event.kind]
    if (expectedReason) {
      if (parked !== expectedReason) account.lost.push(event.id)
      continue
    }
    if (event.refs.length === 0) {
      if (parked) account.lost.push(event.id)
      else account.unknownTypeAcknowledged += 1
      continue
    }
    const issued = event.refs.every((ref) => (byRef.get(ref) ?? 0) >= 1)
    if (issued) continue
    if (parked) account.validEventsParked += 1
    else account.lost.push(event.id)
  }
  return account
}

/** The ids of the `offer.issued` events among the drained offer events. */
export function issuedEventIds(offerEvents: readonly DrainedMessage[]): Set<string> {
  const ids = new Set<string>()
  for (const message of offerEvents) {
    const id = /"id"\s*:\s*"(offer\.issued:[^"]+)"/.exec(message.body)?.[1]
    if (id) ids.add(id)
  }
  return ids
}

export function countMix(events: readonly PlannedEvent[]): Record<EventKind, number> {
  const mix = Object.fromEntries(Object.values(EventKind).map((kind) => [kind, 0])) as Record<
    EventKind,
    number
  >
  for (const event of events) mix[event.kind] += 1
  return mix
}
