/**
 * `npm run soak [-- --events N] [--crashes N] [--seed N] [--concurrency N] [--lost-answer-rate R] [--stall-rounds N]
 * [--json FILE]`: the issuance soak on the whole local system (see local/soak/engine.ts for what it does and what it
 * scales). Prints the account of every event and exits 1 when an event was issued twice or lost, the ledger / the
 * offer events are inconsistent, a crash was not recovered, or the worker died on its own.
 */
import { writeFileSync } from 'node:fs'
import { formatSoakReport, runSoak, soakPassed } from '../local/soak/engine'

const arg = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}
const int = (name: string): number | undefined => {
  const value = arg(name)
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer`)
  return parsed
}

const rate = (name: string): number | undefined => {
  const value = arg(name)
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!(parsed >= 0 && parsed <= 0.3)) throw new Error(`--${name} must be a number between 0 and 0.3`)
  return parsed
}

async function main(): Promise<void> {
  const report = await runSoak({
    events: int('events') ?? 10_000,
    ...(int('crashes') !== undefined ? { crashes: int('crashes') } : {}),
    ...(int('seed') !== undefined ? { seed: int('seed') } : {}),
    ...(int('concurrency') !== undefined ? { maxConcurrency: int('concurrency') } : {}),
    ...(int('stall-rounds') !== undefined ? { stallRounds: int('stall-rounds') } : {}),
    ...(rate('lost-answer-rate') !== undefined ? { lostAnswerRate: rate('lost-answer-rate') } : {}),
    log: (line) => console.error(line),
  })
  console.log(formatSoakReport(report))
  const json = arg('json')
  if (json) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`)
  process.exitCode = soakPassed(report) ? 0 : 1
}

main().catch((error: unknown) => {
  console.error('soak failed to run:', error)
  process.exit(2)
})
