import { describe, expect, it } from 'vitest'
import { loadRules, parseRules, rulesFor } from '../../../lib/issuance/rules'

describe('issuance rules', () => {
  it('loads the bundled rule sets', () => {
    for (const name of ['default', 'local']) expect(loadRules(name).rules.length).toBeGreaterThan(0)
  })

  it('maps an event type to every rule for it and others to none', () => {
    const rules = loadRules('local')
    expect(rulesFor(rules, 'loyalty.tier.upgraded').map((r) => r.id)).toEqual([
      'tier-upgrade-reward',
      'tier-upgrade-free-coffee',
    ])
    expect(rulesFor(rules, 'loyalty.unknown')).toEqual([])
  })

  it('refuses an unknown rule set by name', () => {
    expect(() => loadRules('nope')).toThrow(/Unknown issuance rules "nope"/)
  })

  it('refuses invalid documents naming each problem', () => {
    const bad = {
      version: '1',
      rules: [
        {
          id: 'a',
          eventType: 'x',
          issue: { kind: 'offerState', campaignId: 'c', window: { validForDays: 0 } },
        },
        { id: 'a', eventType: 'y', issue: { kind: 'credential', offerId: 1, channelId: 2 } },
      ],
    }
    expect(() => parseRules(bad)).toThrow(/rules\.0\.issue\.window\.validForDays.*duplicate rule id a/s)
  })
})
