/**
 * `npm run bench`: every performance figure of the project (docs/bench.md), printed as one table and written to
 * bench/results.json. Figures, not assertions: a missed target is reported, never fails the run. A run whose
 * invocations fail stops with the error, since its timings would mean nothing.
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { coldStartAndBundles, peakMemory } from './figures/isolated'
import { batchEfficiency, coldIssuanceReads, cpuPerEvent, naiveThroughput } from './figures/issuance'
import { coldWebhookReads, webhookAddedLatency } from './figures/webhook'
import { BENCH, type BenchProcesses, closeBench, connect, openBench, type Result } from './support/bench'
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

/** Every figure, in the order they are measured (the order matters: later figures reuse warm workers). */
async function main() {
  const processes = openBench()
  try {
    const bench = await connect(processes)
    const issuance = await coldIssuanceReads(bench)
    await batchEfficiency(bench, issuance)
    await naiveThroughput(bench, issuance)
    await cpuPerEvent(bench, issuance)
    const webhook = await coldWebhookReads(bench)
    for (const latency of [0, BENCH.latencyMs]) await webhookAddedLatency(bench, webhook, latency)
    await peakMemory(bench)
    await coldStartAndBundles(bench)
    const report = benchReport(bench)
    writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(report, null, 2)}\n`)
    printTable(report)
  } finally {
    await closeBench(processes)
  }
}

function printTable(report: BenchReport) {
  const rows = report.results.map((r) => [
    r.name,
    `${r.value} ${r.unit}`,
    r.target ?? '—',
    r.met === null ? '—' : r.met ? 'yes' : 'NO',
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
  console.log('\nWritten to bench/results.json')
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
