/** The soak's events: a deterministic mix of kinds, envelopes and members, and their delivery order. */
import { externalRefId } from '../../lib/issuance'
import { loadRules, rulesFor } from '../../lib/issuance/rules'
import type { LocalSystem } from '../system'

export const EventKind = {
  tierUpgrade: 'tier_upgrade',
  birthday: 'birthday',
  unknownType: 'unknown_type',
  malformed: 'malformed_json',
  unknownMember: 'unknown_member',
} as const
export type EventKind = (typeof EventKind)[keyof typeof EventKind]

/** Share of each kind in the mix (cumulative order matters only for the roll). */
const MIX: ReadonlyArray<readonly [EventKind, number]> = [
  [EventKind.unknownType, 0.03],
  [EventKind.malformed, 0.01],
  [EventKind.unknownMember, 0.01],
  [EventKind.birthday, 0.2],
  [EventKind.tierUpgrade, 0.75],
]

const TYPES: Record<EventKind, string> = {
  tier_upgrade: 'loyalty.tier.upgraded',
  birthday: 'loyalty.member.birthday',
  unknown_type: 'loyalty.points.earned',
  malformed_json: 'loyalty.tier.upgraded',
  unknown_member: 'loyalty.tier.upgraded',
}

/** What each kind must end as. */
export const EXPECTED_DLQ_REASON: Partial<Record<EventKind, string>> = {
  malformed_json: 'malformed_json',
  unknown_member: 'sparkfly_404',
}

const UNKNOWN_MEMBER_ID = 987_654_321
const EVENT_SOURCE = 'urn:loyalty:soak'
export interface PlannedEvent {
  id: string
  kind: EventKind
  body: string
  refs: string[]
}

/** Builds the events: a deterministic mix of envelopes, members and kinds. */
export function planEvents(
  count: number,
  runId: string,
  random: () => number,
  system: LocalSystem,
): PlannedEvent[] {
  const rules = loadRules('local')
  const members = system.sandbox.fixtures.members
  const events: PlannedEvent[] = []
  for (let i = 0; i < count; i += 1) {
    const roll = random()
    let edge = 0
    let kind: EventKind = EventKind.tierUpgrade
    for (const [candidate, share] of MIX) {
      edge += share
      if (roll < edge) {
        kind = candidate
        break
      }
    }
    const id = `soak-${runId}-${i}`
    const type = TYPES[kind]
    const known = members[i % members.length] as { id: number; identifier: string }
    const member =
      kind === EventKind.unknownMember
        ? { id: UNKNOWN_MEMBER_ID }
        : i % 3 === 0
          ? { identifier: known.identifier }
          : { id: known.id }
    const time = new Date().toISOString()
    let body: string
    if (kind === EventKind.malformed) {
      body = `{"specversion":"1.0","id":"${id}","source":"${EVENT_SOURCE}","type":"${type}","data":{"member":`
    } else if (i % 4 === 1) {
      body = JSON.stringify({
        version: '0',
        id,
        source: EVENT_SOURCE,
        'detail-type': type,
        time,
        detail: { member },
      })
    } else {
      body = JSON.stringify({ specversion: '1.0', id, source: EVENT_SOURCE, type, time, data: { member } })
    }
    const refs =
      kind === EventKind.malformed || kind === EventKind.unknownMember
        ? []
        : rulesFor(rules, type).map((rule) => externalRefId({ id }, rule))
    events.push({ id, kind, body, refs })
  }
  return events
}

/** Message bodies in send order: each event once, some twice (the copy a little later, sometimes right after). */
export function deliveries(events: PlannedEvent[], duplicateRate: number, random: () => number): string[] {
  const out: string[] = events.map((event) => event.body)
  for (let i = events.length - 1; i >= 0; i -= 1) {
    if (random() >= duplicateRate) continue
    const gap = random() < 0.3 ? 1 : 1 + Math.floor(random() * 200)
    out.splice(Math.min(out.length, i + gap), 0, (events[i] as PlannedEvent).body)
  }
  return out
}
