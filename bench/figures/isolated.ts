/** Figures measured in their own processes: memory (docs/bench.md 6), cold start and bundle size (4). */
import { measureColdStarts } from '../coldStart'
import { BENCH, type Bench, log, record, setLatency, startWorker } from '../support/bench'
import { round } from '../support/stats'

/** Figure 6: memory, 10,000 events through one instance. */
export async function peakMemory(bench: Bench): Promise<void> {
  log(
    `\nMemory: ${BENCH.memoryEvents} events through one issuance instance (${BENCH.lambdaMemoryMb} MB flags)`,
  )
  await setLatency(bench, 0)
  // The V8 limits the Lambda Node.js runtime derives from the function's memory size: semi-space 5 %, old space 90 %.
  const heapFlags = [
    `--max-semi-space-size=${Math.floor((BENCH.lambdaMemoryMb * 5) / 100)}`,
    `--max-old-space-size=${Math.floor((BENCH.lambdaMemoryMb * 90) / 100)}`,
  ]
  const memory = await startWorker(bench, 'memory', heapFlags)
  const mem = await memory.call<{
    failures: number
    seconds: number
    rssAtStartMb: number
    rssAtEndMb: number
    peakSampledMb: number
    maxRssMb: number
    heapUsedAtEndMb: number
    heapTotalAtEndMb: number
  }>('run', { events: BENCH.memoryEvents, batchSize: 10 })
  if (mem.failures > 0) throw new Error(`memory run: ${mem.failures} records failed`)
  const peak = Math.max(mem.maxRssMb, mem.peakSampledMb)
  record(bench, 6, {
    name: `Peak RSS, ${BENCH.memoryEvents.toLocaleString('en-US')} events`,
    value: round(peak, 1),
    unit: 'MB',
    target: '< 128',
    met: peak < 128,
    notes:
      `one bundled issuance handler instance in its own process, run with the V8 flags of a ` +
      `${BENCH.lambdaMemoryMb} MB Lambda (${heapFlags.join(' ')}), ${BENCH.memoryEvents / 10} invocations of ` +
      `10 events one after the other (latency 0, ${round(mem.seconds, 1)} s); peak = ` +
      `process.resourceUsage().maxRSS (${round(mem.maxRssMb, 1)} MB; sampled every 10 ms: ` +
      `${round(mem.peakSampledMb, 1)} MB). RSS after loading the handler, before any event: ` +
      `${round(mem.rssAtStartMb, 1)} MB; at the end ${round(mem.rssAtEndMb, 1)} MB with V8 heap ` +
      `${round(mem.heapUsedAtEndMb, 1)} MB used of ${round(mem.heapTotalAtEndMb, 1)} MB.`,
  })
}

/** Figure 4: cold start and bundle sizes. */
export async function coldStartAndBundles(bench: Bench): Promise<void> {
  log(`\nCold start and bundle size (esbuild, serverless.yml options; ${BENCH.coldStartRuns} runs each)`)
  const cold = await measureColdStarts(bench.temp, bench.env, BENCH.coldStartRuns)
  for (const fn of cold.functions) {
    const top = fn.top.map((t) => `${t.owner} ${round(t.bytes / BENCH.kb, 1)} KB`).join(', ')
    record(bench, 4, {
      name: `Cold start ratio: ${fn.name}`,
      value: round(fn.ratio, 2),
      unit: '×',
      target: '≤ 2',
      met: fn.ratio <= 2,
      notes:
        `median of ${BENCH.coldStartRuns} fresh node processes, process start → bundle required and handler ` +
        `read: ${round(fn.totalMs, 1)} ms (require ${round(fn.requireMs, 1)} ms) vs the empty bundle ` +
        `${round(cold.empty.totalMs, 1)} ms (require ${round(cold.empty.requireMs, 2)} ms); RSS after load ` +
        `${round(fn.rssMb, 1)} MB vs ${round(cold.empty.rssMb, 1)} MB.`,
    })
    const kb = fn.bytes / BENCH.kb
    record(bench, 4.5, {
      name: `Bundle size: ${fn.name}`,
      value: round(kb, 1),
      unit: 'KB',
      target: `≤ ${BENCH.bundleLimitKb}`,
      met: kb <= BENCH.bundleLimitKb,
      notes: `${fn.bytes} bytes minified, AWS SDK inside (1 KB = 1024 bytes); largest contributors: ${top}.`,
    })
  }
}
