import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')

describe('npm run demo', () => {
  it('plays the whole lifecycle on an embedded system and tells it', () => {
    // given a fresh embedded system, when the demo runs
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'local/demo.ts', '--embedded'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    })
    const out = run.stdout

    // then it exits cleanly and every stage of the story happened
    expect(run.status, run.stderr).toBe(0)
    expect(out).toContain('-> 5 offer.issued events')
    expect(out).toMatch(/redeem \w+ \(tier reward\)\s+200 redeemed/)
    expect(out).toMatch(/same delivery retried by the terminal\s+200 redeemed/)
    expect(out).toMatch(/scan \w+ again \(new delivery\)\s+409 Offer already redeemed/)
    expect(out).toMatch(/unsigned request\s+401/)
    expect(out).toMatch(/void \w+ \(birthday treat\)\s+200 voided/)
    expect(out).toMatch(/the same without a token\s+401/)
    expect(out).toMatch(/sweep: +found 1, voided 1, already redeemed 0, failed 0, remaining 0/)
    expect(out).toContain(
      'offer events published: offer.issued x5, offer.redeemed x3, offer.voided x1, offer.expired x1',
    )
    expect(out).toMatch(/reconcile: \d+ activity rows, 1 applied, \d+ already in the ledger, drift 0/)
    expect(out).toContain(
      'ledger: redeemed (changedBy sparkfly:redeem); event offer.redeemed changedBy sparkfly:redeem',
    )
    expect(out).toContain(
      'second subscriber (filter ce-type = offer.redeemed): 3 event(s), types: offer.redeemed',
    )
    expect(out).toContain('loyalty-events dead-letter queue: 2 message(s)')
    expect(out).toContain('malformed_json: Message body is not valid JSON')
    expect(out).toContain('sparkfly_404: Member not found')
  }, 120_000)
})
