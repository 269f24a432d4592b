import type { Metrics } from '@aws-lambda-powertools/metrics'
import { describe, expect, it } from 'vitest'
import { recordSweepMetrics } from '../../../lib/edge/expiry'
import type { SweepSummary } from '../../../lib/expiry/types'
import { formatSummaryTable, parseSweepCliArgs } from '../../../local/sweep-cli'

const summary = (overrides: Partial<SweepSummary> = {}): SweepSummary => ({
  runId: 'r1',
  dryRun: false,
  status: 'complete',
  now: '2026-03-01T00:00:00.000Z',
  cutoffs: { offerState: '2026-03-01T00:00:00.000Z', credential: '2025-12-01T00:00:00.000Z' },
  startedAt: '2026-03-01T00:00:00.000Z',
  finishedAt: '2026-03-01T00:00:02.500Z',
  durationMs: 2500,
  found: 12,
  voided: 7,
  alreadyRedeemed: 2,
  alreadyVoided: 1,
  notFound: 0,
  expired: 7,
  skipped: { busy: 0, stale: 1, conflict: 0 },
  failed: 1,
  failures: { rate_limited: 1, sparkfly_unavailable: 0, sparkfly_rejected: 0, aborted: 0, internal: 0 },
  remaining: 1,
  remainingCapped: false,
  ...overrides,
})

describe('sweep command line', () => {
  it('parses --dry-run, --now and --time-limit', () => {
    expect(
      parseSweepCliArgs(['--dry-run', '--now', '2026-03-02T00:00:00Z', '--time-limit', '60'], '/repo'),
    ).toEqual({
      dryRun: true,
      now: new Date('2026-03-02T00:00:00Z'),
      timeLimitMs: 60_000,
      endpointsFile: '/repo/.local/endpoints.json',
      json: false,
    })
    expect(parseSweepCliArgs(['--help'])).toBe('help')
    expect(() => parseSweepCliArgs(['--now', 'soon'])).toThrow(/--now/)
    expect(() => parseSweepCliArgs(['--dryrun'])).toThrow()
  })

  it('ends with the summary table: found, voided, already redeemed, already voided, failed, remaining', () => {
    const table = formatSummaryTable(summary())
    const figures = Object.fromEntries(
      table
        .split('\n')
        .map((line) => /^ {2}([a-zA-Z ]+?)\s+(\d+)/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], Number(m[2])]),
    )
    expect(figures).toMatchObject({
      found: 12,
      voided: 7,
      'already redeemed': 2,
      'already voided': 1,
      failed: 1,
      remaining: 1,
    })
    expect(table).toContain('failures: rate_limited 1')
    expect(formatSummaryTable(summary({ dryRun: true }))).toMatch(
      /dry run: nothing was changed[\s\S]*would void/,
    )
  })
})

describe('recordSweepMetrics', () => {
  function fakeMetrics() {
    const emitted: Array<{ name: string; value: number; dimensions: Record<string, string> }> = []
    const make = (dimensions: Record<string, string>) => ({
      addDimension(name: string, value: string) {
        dimensions[name] = value
      },
      addMetric(name: string, _unit: string, value: number) {
        emitted.push({ name, value, dimensions: { ...dimensions } })
      },
      singleMetric: () => make({}),
    })
    return { metrics: make({}) as unknown as Metrics, emitted }
  }

  it('emits found, voided, failed, duration, remaining and skipped by reason', () => {
    const { metrics, emitted } = fakeMetrics()
    recordSweepMetrics(metrics, summary())
    const byName = (name: string) => emitted.filter((m) => m.name === name)
    expect(byName('SweepFound')[0]?.value).toBe(12)
    expect(byName('SweepVoided')[0]?.value).toBe(7)
    expect(byName('SweepFailed')[0]?.value).toBe(1)
    expect(byName('SweepRemaining')[0]?.value).toBe(1)
    expect(byName('SweepDuration')[0]?.value).toBe(2500)
    expect(byName('SweepSkipped').map((m) => [m.dimensions.reason, m.value])).toEqual([
      ['already_redeemed', 2],
      ['already_voided', 1],
      ['stale', 1],
    ])
  })

  it('counts a dry run without reporting its figures as work done', () => {
    const { metrics, emitted } = fakeMetrics()
    recordSweepMetrics(metrics, summary({ dryRun: true }))
    expect(emitted.map((m) => m.name)).toEqual(['SweepDryRun'])
  })
})
