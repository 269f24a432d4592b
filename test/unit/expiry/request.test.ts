import { describe, expect, it } from 'vitest'
import { parseSweepRequest, SweepRequestError } from '../../../lib/expiry/request'

describe('parseSweepRequest', () => {
  it('reads an EventBridge scheduled event as a real run at the real time', () => {
    const scheduled = {
      version: '0',
      id: 'e1',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: '2026-03-01T00:00:00Z',
      detail: {},
    }
    expect(parseSweepRequest(scheduled, 'prod')).toEqual({ dryRun: false })
  })

  it('reads a manual dry run', () => {
    expect(parseSweepRequest({ dryRun: true }, 'prod')).toEqual({ dryRun: true })
  })

  it('accepts a "now" override on the local stage only', () => {
    expect(parseSweepRequest({ now: '2026-03-03T00:00:00Z' }, 'local')).toEqual({
      dryRun: false,
      now: new Date('2026-03-03T00:00:00Z'),
    })
    expect(() => parseSweepRequest({ now: '2026-03-03T00:00:00Z' }, 'prod')).toThrow(SweepRequestError)
    expect(() => parseSweepRequest({ now: '2026-03-03T00:00:00Z' }, 'prod')).toThrow(
      /only on the local stage/,
    )
  })

  it('refuses a payload it cannot read, saying which field', () => {
    expect(() => parseSweepRequest({ dryRun: 'yes' }, 'prod')).toThrow(/dryRun/)
    expect(() => parseSweepRequest({ now: 'tomorrow' }, 'local')).toThrow(/now/)
  })
})
