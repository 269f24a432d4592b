import { describe, expect, it } from 'vitest'
import { accountDlq, accountEvents, countOffers, issuedEventIds } from '../../../local/soak/account'
import { EventKind, type PlannedEvent } from '../../../local/soak/plan'
import type { SandboxOffer } from '../../../local/soak/probes'

const event = (id: string, kind: EventKind, refs: string[]): PlannedEvent => ({ id, kind, body: '', refs })
const offer = (ref: string) => ({ external_ref_id: ref }) as SandboxOffer

describe('soak accounting', () => {
  it('counts dead letters by reason and remembers which events were parked with one', () => {
    const { dlqByReason, parkedWithReason } = accountDlq([
      { body: '{"id":"e1"}', reason: 'malformed_json' },
      { body: '{"id": "e2"}', reason: 'sparkfly_404' },
      { body: '{"id":"e3"}' },
    ])
    expect(dlqByReason).toEqual({
      malformed_json: 1,
      sparkfly_404: 1,
      'redrive (no reason: maxReceiveCount exceeded)': 1,
    })
    expect([...parkedWithReason]).toEqual([
      ['e1', 'malformed_json'],
      ['e2', 'sparkfly_404'],
    ])
  })

  it('counts every extra offer of a ref as a duplicate', () => {
    const count = countOffers([offer('r1'), offer('r1'), offer('r1'), offer('r2')])
    expect(count.duplicates).toBe(2)
    expect(count.duplicateRefs).toEqual(['r1'])
  })

  it('finds lost events: unissued without a reason, parked with the wrong reason, or parked unknown types', () => {
    const events = [
      event('issued', EventKind.tierUpgrade, ['r1']),
      event('lost', EventKind.tierUpgrade, ['r2']),
      event('parked', EventKind.birthday, ['r3']),
      event('malformed-ok', EventKind.malformed, []),
      event('malformed-wrong', EventKind.malformed, []),
      event('unknown-ack', EventKind.unknownType, []),
      event('unknown-parked', EventKind.unknownType, []),
    ]
    const parked = new Map([
      ['parked', 'sparkfly_500'],
      ['malformed-ok', 'malformed_json'],
      ['malformed-wrong', 'sparkfly_404'],
      ['unknown-parked', 'whatever'],
    ])
    const account = accountEvents(events, parked, new Map([['r1', 1]]))
    expect(account.lost).toEqual(['lost', 'malformed-wrong', 'unknown-parked'])
    expect(account.validEventsParked).toBe(1)
    expect(account.unknownTypeAcknowledged).toBe(1)
  })

  it('reads the ids of offer.issued events only', () => {
    const ids = issuedEventIds([
      { body: '{"id":"offer.issued:o#1","type":"offer.issued"}' },
      { body: '{"id":"offer.voided:o#2"}' },
    ])
    expect([...ids]).toEqual(['offer.issued:o#1'])
  })
})
