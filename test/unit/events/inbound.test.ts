import { describe, expect, it } from 'vitest'
import { PermanentError } from '../../../lib/errors'
import { parseLoyaltyEvent } from '../../../lib/events/inbound'
import { cloudEvent, eventBridgeEvent } from '../../support/events'

const reasonOf = (body: string) => {
  try {
    parseLoyaltyEvent(body)
  } catch (error) {
    expect(error).toBeInstanceOf(PermanentError)
    return { reason: (error as PermanentError).reason, message: (error as Error).message }
  }
  throw new Error('expected parseLoyaltyEvent to throw')
}

describe('parseLoyaltyEvent', () => {
  it('reads a CloudEvents 1.0 event with a member id', () => {
    const body = cloudEvent({ id: 'e1', type: 'loyalty.tier.upgraded', member: { id: 123 } })
    expect(parseLoyaltyEvent(JSON.stringify(body))).toMatchObject({
      id: 'e1',
      type: 'loyalty.tier.upgraded',
      envelope: 'cloudevents',
      member: { id: '123' },
    })
  })

  it('reads an EventBridge event with a member identifier and window overrides', () => {
    const body = eventBridgeEvent({
      id: 'e2',
      detailType: 'loyalty.member.birthday',
      member: { identifier: 'ext-42' },
      detail: { activatesAt: '2026-01-01T00:00:00Z', expiresAt: '2026-01-31T00:00:00+01:00' },
    })
    expect(parseLoyaltyEvent(JSON.stringify(body))).toMatchObject({
      id: 'e2',
      type: 'loyalty.member.birthday',
      envelope: 'eventbridge',
      member: { identifier: 'ext-42' },
      activatesAt: '2026-01-01T00:00:00Z',
      expiresAt: '2026-01-31T00:00:00+01:00',
    })
  })

  it.each([
    ['not JSON', '{"specversion":', 'malformed_json'],
    ['an array', '[1,2]', 'invalid_event'],
    ['no envelope', '{"hello":"world"}', 'invalid_event'],
    ['wrong specversion', JSON.stringify({ ...cloudEvent(), specversion: '0.3' }), 'invalid_event'],
    ['no member', JSON.stringify({ ...cloudEvent(), data: {} }), 'invalid_event'],
    ['member id not a number', JSON.stringify(cloudEvent({ member: { id: '12a' } })), 'invalid_event'],
    ['bad expiresAt', JSON.stringify(cloudEvent({ data: { expiresAt: 'tomorrow' } })), 'invalid_event'],
  ])('refuses %s as a permanent failure naming the problem', (_name, body, reason) => {
    expect(reasonOf(body).reason).toBe(reason)
  })

  it('names the offending field', () => {
    expect(reasonOf(JSON.stringify({ ...cloudEvent(), id: '' })).message).toMatch(/\bid\b/)
  })
})
