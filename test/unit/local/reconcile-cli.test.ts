import { describe, expect, it } from 'vitest'
import type { ReconcileSummary } from '../../../lib/reconciliation'
import { formatReconcileTable, parseReconcileCliArgs } from '../../../local/reconcile-cli'

describe('npm run reconcile', () => {
  it('parses --dry-run and an explicit range, and refuses a reversed or unreadable one', () => {
    expect(
      parseReconcileCliArgs(
        ['--dry-run', '--from', '2026-03-01T00:00:00Z', '--to', '2026-03-01T06:00:00Z'],
        '/x',
      ),
    ).toMatchObject({
      dryRun: true,
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-01T06:00:00.000Z',
      endpointsFile: '/x/.local/endpoints.json',
    })
    expect(() =>
      parseReconcileCliArgs(['--from', '2026-03-02T00:00:00Z', '--to', '2026-03-01T00:00:00Z']),
    ).toThrow('--from must be before --to')
    expect(() => parseReconcileCliArgs(['--from', 'yesterday'])).toThrow(
      '--from must be an ISO-8601 date-time',
    )
    expect(parseReconcileCliArgs(['--help'])).toBe('help')
  })

  it('prints the summary as a table with the drift row', () => {
    const summary = {
      runId: 'r',
      status: 'complete',
      dryRun: true,
      from: 'A',
      to: 'B',
      windows: 2,
      rows: 7,
      outcomes: { applied: 3, duplicate: 1, explained: 2, foreign: 0, drift: 1, unmatched: 0 },
      applied: { redeem: 2, void: 1, expire: 0, issue: 0, suspend: 0, unsuspend: 0 },
      published: 0,
      truncations: 0,
    } satisfies ReconcileSummary
    const table = formatReconcileTable(summary)
    expect(table).toContain('Reconciliation (dry run: nothing was changed)')
    expect(table).toMatch(/applied \(changed elsewhere\)\s+3/)
    expect(table).toMatch(/ {2}redeem\s+2/)
    expect(table).toMatch(/DRIFT\s+1/)
  })
})
