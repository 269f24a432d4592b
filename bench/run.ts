/**
 * `npm run bench`: every performance figure of the project (docs/performance.md), printed as one table with its
 * target and met / missed, and written to bench/results.json.
 *
 *   npm run bench                               every figure (minutes)
 *   npm run bench -- --check                    the same, exit code 1 when a target is missed
 *   npm run bench -- --check --only deterministic   AWS call counts and bundle sizes only (seconds; CI)
 *
 * A run whose invocations fail stops with the error, since its timings would mean nothing.
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { bundleSizes } from './figures/bundles'
import { awsCallCounts } from './figures/calls'
import { coldStarts, peakMemory } from './figures/isolated'
import { coldIssuanceReads, cpuOverFloor, naiveThroughput } from './figures/issuance'
import { coldWebhookReads, webhookAddedLatency } from './figures/webhook'
import {
  type Bench,
  type BenchProcesses,
  closeBench,
  connect,
  openBench,
  type Result,
  startWorker,
} from './support/bench'
import { ROOT } from './support/bundle'
import { round } from './support/stats'

export type { Result } from './support/bench'

interface BenchReport {
  date: string
  node: string
  cpu: string
  cores: number
  platform: string
  durationSeconds: number
  /** 1-minute load average at the start and the end: above the core count, other work shared the machine. */
  loadAverage: { start: number; end: number }
  results: Result[]
}

/** The run's report, its results in the figures' order. */
function benchReport(bench: BenchProcesses): BenchReport {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    platform: `${process.platform} ${process.arch}`,
    durationSeconds: round((Date.now() - bench.started) / 1000, 1),
    loadAverage: { start: round(bench.loadAtStart), end: round(loadavg()[0] ?? 0) },
    results: bench.results
      .sort((a, b) => a.figure - b.figure)
      .map(({ figure: _figure, ...result }) => result),
  }
}

/** What the command line asks for. */
export interface RunOptions {
  /** Exit non-zero when a figure misses its target. */
  check: boolean
  /** `deterministic`: the call counts and bundle sizes only (no timing: the same on any machine). */
  only: 'all' | 'deterministic'
}

export function parseArgs(argv: readonly string[]): RunOptions {
  const onlyAt = argv.indexOf('--only')
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : 'all'
  if (only !== 'all' && only !== 'deterministic') throw new Error(`--only ${only}: expected deterministic`)
  return { check: argv.includes('--check'), only }
}

/** The figures whose values do not depend on the machine's speed or load. */
async function deterministicFigures(bench: Bench, options: { goal: boolean }) {
  const calls = await awsCallCounts(bench)
  const built = await bundleSizes(bench, options)
  return { calls, built }
}

/** Every figure, in the order they are measured (the order matters: later figures reuse warm workers). */
async function allFigures(bench: Bench): Promise<void> {
  const { calls, built } = await deterministicFigures(bench, { goal: true })
  await cpuOverFloor(bench, calls)
  const issuance = await coldIssuanceReads(bench)
  await naiveThroughput(bench, issuance)
  await issuance.stop()
  const webhook = await coldWebhookReads(bench)
  await webhookAddedLatency(bench, webhook, 'current')
  await webhook.stop()
  await webhookAddedLatency(bench, await startWorker(bench, 'webhook', { variant: 'before' }), 'before')
  await coldStarts(bench, built)
  await peakMemory(bench)
}

async function main(options: RunOptions) {
  const processes = openBench()
  try {
    const bench = await connect(processes)
    await (options.only === 'deterministic'
      ? deterministicFigures(bench, { goal: false })
      : allFigures(bench))
    const report = benchReport(bench)
    const file = options.only === 'all' ? 'results.json' : `results-${options.only}.json`
    writeFileSync(join(ROOT, 'bench', file), `${JSON.stringify(report, null, 2)}\n`)
    printTable(report)
    console.log(`\nWritten to bench/${file}`)
    const missed = report.results.filter((r) => r.met === false)
    if (options.check && missed.length > 0) {
      console.log(`\nbench --check FAILED: ${missed.length} figure(s) missed their target:`)
      for (const r of missed) console.log(`  - ${r.name}: ${r.value} ${r.unit}, target ${r.target}`)
      process.exitCode = 1
    } else if (options.check) console.log('\nbench --check passed: every target met')
  } finally {
    await closeBench(processes)
  }
}

function printTable(report: BenchReport) {
  const rows = report.results.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    r.target ?? '—',
    r.met === null ? '—' : r.met ? 'met' : 'MISSED',
  ])
  const header = ['figure', 'value', 'target', 'met']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  console.log(
    `\nBench ${report.date} · node ${report.node} · ${report.cpu} × ${report.cores} · ${report.durationSeconds} s` +
      ` · load average ${report.loadAverage.start} → ${report.loadAverage.end}\n`,
  )
  if (Math.max(report.loadAverage.start, report.loadAverage.end) > report.cores) {
    console.log(
      `Warning: the load average exceeded the ${report.cores} cores: other processes shared the machine, so the ` +
        'wall-clock figures (efficiency, throughput, latency, cold start) are pessimistic. Re-run on a quiet machine.\n',
    )
  }
  console.log(line(header))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const row of rows) console.log(line(row))
  console.log('\nNotes:')
  const seen = new Set<string>()
  for (const r of report.results) {
    if (!r.notes || seen.has(r.notes)) continue
    seen.add(r.notes)
    console.log(`- ${r.name}: ${r.notes}`)
  }
}

main(parseArgs(process.argv.slice(2))).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
