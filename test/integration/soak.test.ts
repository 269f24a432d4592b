import { describe, expect, it } from 'vitest'
import { CrashPoint, formatSoakReport, runSoak } from '../../local/soak/engine'

/**
 * The short issuance soak kept in `npm test` (`npm run soak` runs 10,000 events): the whole local system, Sparkfly
 * failing 5% of calls with 500, 5% with 429 + Retry-After and hanging 1%, 5% of issues losing their answer in each of
 * three ways (503, reset, hang after applying), tokens expiring, 10% of the events delivered twice, and the issuance
 * process SIGKILLed twice while Sparkfly applied an issue: once before the 201 left, once right after.
 *
 * No wall-clock bound: the soak gives up only when nothing moved for several visibility timeouts' worth of poll
 * rounds (`stallRounds`), so a slow machine makes it slower, not red.
 */
describe('issuance soak (short: 300 events, faults, lost answers, duplicates, crashes)', () => {
  it('issues every (event, rule) exactly once, accounts for every event, recovers every crash', {
    timeout: 0,
  }, async () => {
    // given the local system with Sparkfly faults and lost answers, and 300 loyalty events, 10% of them sent twice
    // when the issuance process is killed mid-issue twice (before and after the 201) and restarted
    const report = await runSoak({
      events: 300,
      crashes: 2,
      // Tokens die every 150 calls so that every worker's token expires at least once in this short run.
      tokenExpiresEveryCalls: 150,
      // Roomier than the script's scaled times (6 s, 15 s): a loaded 2-core machine must not turn slow invocations
      // into timeouts and redrives. The visibility timeout still outlasts the claim lease (8 s + 5 s + 1 s window).
      functionTimeoutMs: 8_000,
      visibilityTimeoutSeconds: 20,
      maxConcurrency: 5,
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

    // and each crash point hit its window: the trigger offer was not in the ledger at the kill, and was recovered
    expect(report.crashes.map((crash) => crash.point)).toEqual([
      CrashPoint.beforeAnswer,
      CrashPoint.afterAnswer,
    ])
    for (const crash of report.crashes) {
      expect(crash).toMatchObject({ recordedAtKill: false, recoveredAfter: true })
    }
    // and the run really went through what it claims: faults, lost answers, token expiries, duplicate deliveries
    expect(report.faultsInjected['500']).toBeGreaterThan(0)
    expect(report.faultsInjected['429']).toBeGreaterThan(0)
    expect(report.faultsInjected['apply-then-503']).toBeGreaterThan(0)
    expect(report.faultsInjected['apply-then-reset']).toBeGreaterThan(0)
    expect(report.faultsInjected['apply-then-hang']).toBeGreaterThan(0)
    expect(report.faultsInjected.tokenExpiry).toBeGreaterThan(0)
    expect(report.duplicateDeliveries).toBeGreaterThan(10)
  })
})
