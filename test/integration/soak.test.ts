import { describe, expect, it } from 'vitest'
import { formatSoakReport, runSoak } from '../../local/soak/engine'

/**
 * The CI-sized issuance soak (npm run soak runs 10,000 events): the whole local system, Sparkfly failing 5% of calls
 * with 500, 5% with 429 + Retry-After and hanging 1%, tokens expiring, 10% of the events delivered twice, and the
 * issuance process SIGKILLed twice right after Sparkfly issued an offer.
 */
describe('issuance soak (1,000 events, faults, duplicates, crashes)', () => {
  it('issues every (event, rule) exactly once and accounts for every event', {
    timeout: 330_000,
  }, async () => {
    // given the local system with Sparkfly faults, and 1,000 loyalty events, 10% of them sent twice
    // when the issuance process is killed mid-batch twice and restarted
    const report = await runSoak({
      events: 1_000,
      crashes: 2,
      // Tokens die every 300 calls so that every worker's token expires at least once in this shorter run.
      tokenExpiresEveryCalls: 300,
      // Time scaled further than the script's (lease 4 s + 5 s + 1 s batching window < visibility 11 s).
      functionTimeoutMs: 4_000,
      visibilityTimeoutSeconds: 11,
      maxConcurrency: 10,
      // Drains in about 60 s here; the bound is generous so a slower CI machine does not fail a correct run.
      timeoutMs: 300_000,
    })
    console.log(formatSoakReport(report))

    // then every event is accounted for and none was issued twice
    expect(report.drained).toBe(true)
    expect(report.duplicates).toBe(0)
    expect(report.lost).toBe(0)
    expect(report.lostEventIds).toEqual([])
    expect(report.validEventsParked).toBe(0)
    expect(report.offersInSandbox).toBe(report.expectedOffers)
    expect(report.offersNotInLedger).toBe(0)
    expect(report.offersWithoutIssuedEvent).toBe(0)
    // and the permanent failures are parked with their reason, nothing reached the DLQ without one
    expect(Object.keys(report.dlqByReason).sort()).toEqual(['malformed_json', 'sparkfly_404'])
    expect(report.unknownTypeAcknowledged).toBe(report.mix.unknown_type)

    // and the run really went through what it claims: both crashes hit the window between a Sparkfly issue and
    // the ledger, faults and token expiries were injected, and duplicate deliveries were sent
    expect(report.crashes).toHaveLength(2)
    expect(report.crashes.some((crash) => crash.issuedNotRecorded > 0)).toBe(true)
    expect(report.faultsInjected['500']).toBeGreaterThan(0)
    expect(report.faultsInjected['429']).toBeGreaterThan(0)
    expect(report.faultsInjected.hang).toBeGreaterThan(0)
    expect(report.faultsInjected.tokenExpiry).toBeGreaterThan(0)
    expect(report.duplicateDeliveries).toBeGreaterThan(50)
  })
})
