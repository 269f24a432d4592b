/** Figures measured in their own processes: memory (docs/performance.md 8) and cold start (4). */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type ColdSubject, measureColdStarts } from '../coldStart'
import { BENCH, type Bench, issueOffers, log, record, setLatency, startWorker } from '../support/bench'
import { bundle } from '../support/bundle'
import { benchMemberIds, birthdayBatch, signedRedemption } from '../support/events'
import { round } from '../support/stats'
import type { BuiltFunctions } from './bundles'

/** Figure 8: memory, 10,000 events through one instance. */
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
  const memory = await startWorker(bench, 'memory', { execArgv: heapFlags })
  const mem = await memory.call<{
    failures: number
    seconds: number
    maxRssMb: number
    peakSampledMb: number
  }>('run', { events: BENCH.memoryEvents, batchSize: 10 })
  if (mem.failures > 0) throw new Error(`memory run: ${mem.failures} records failed`)
  const peak = Math.max(mem.maxRssMb, mem.peakSampledMb)
  record(bench, 8, {
    name: `Peak RSS, ${BENCH.memoryEvents.toLocaleString('en-US')} events`,
    value: round(peak, 1),
    unit: 'MB',
    target: '< 128',
    met: peak < 128,
    notes:
      `one bundled issuance handler with the V8 flags of a ${BENCH.lambdaMemoryMb} MB Lambda ` +
      `(${heapFlags.join(' ')}), ${BENCH.memoryEvents / 10} invocations of 10 events (latency 0, ` +
      `${round(mem.seconds, 1)} s); peak = max(process.resourceUsage().maxRSS, RSS sampled every 10 ms).`,
  })
}

/** The first events of the two hot-path functions: a fresh loyalty event, a signed redemption of a fresh code. */
async function firstEvents(bench: Bench): Promise<Record<string, () => Promise<unknown>>> {
  const memberIds = JSON.parse(bench.env.BENCH_MEMBER_IDS ?? '[]') as number[]
  const offers = await issueOffers(bench, 2 * (BENCH.coldStartRuns + 1))
  const secret = bench.env.BENCH_WEBHOOK_SECRET ?? ''
  return {
    'issue-offers': async () => birthdayBatch(1, memberIds.length > 0 ? memberIds : benchMemberIds()),
    'redeem-webhook': async () => {
      const offer = offers.pop()
      if (!offer) throw new Error('no fresh offer left for a cold redemption')
      return signedRedemption({ code: offer.code, transactionId: `cold-${offer.id}` }, secret)
    },
  }
}

/** The subjects: the empty bundle; every function now; the two hot paths before the levers. */
async function coldSubjects(bench: Bench, built: BuiltFunctions): Promise<ColdSubject[]> {
  const emptyEntry = join(bench.temp, 'empty-entry.js')
  writeFileSync(emptyEntry, 'exports.handler = async () => ({})\n')
  const empty = await bundle('empty', emptyEntry, bench.temp)
  const events = await firstEvents(bench)
  const subjects: ColdSubject[] = [{ bundle: empty, label: 'empty', event: async () => ({}) }]
  for (const fn of built.current) subjects.push({ bundle: fn, label: fn.name, event: events[fn.name] })
  for (const fn of built.before) {
    if (events[fn.name]) subjects.push({ bundle: fn, label: `${fn.name} (before)`, event: events[fn.name] })
  }
  return subjects
}

/** Figure 4: cold start as whole processes (load + first invocation) over the empty bundle's. */
export async function coldStarts(bench: Bench, built: BuiltFunctions): Promise<void> {
  log(`\nCold start: whole node processes, load + first invocation (${BENCH.coldStartRuns} runs each)`)
  await setLatency(bench, 0)
  const figures = await measureColdStarts(
    bench.temp,
    bench.env,
    await coldSubjects(bench, built),
    BENCH.coldStartRuns,
  )
  const empty = figures.find((f) => f.label === 'empty')!
  for (const fn of figures.filter((f) => f.label !== 'empty')) {
    const ratio = fn.processMs / empty.processMs
    const current = !fn.label.endsWith('(before)')
    record(bench, 4, {
      name: `Cold start / empty: ${fn.label}${fn.invoked ? '' : ' (load only)'}`,
      value: round(ratio, 2),
      unit: '×',
      target: current ? `≤ ${BENCH.targets.coldStartOverEmpty}` : null,
      met: current ? ratio <= BENCH.targets.coldStartOverEmpty : null,
      notes:
        `median of ${BENCH.coldStartRuns} fresh node processes, spawn → exit: ${round(fn.processMs, 1)} ms ` +
        `(in the process: loaded at ${round(fn.loadMs, 1)} ms, first invocation ${round(fn.invokeMs, 1)} ms) vs ` +
        `the empty bundle ${round(empty.processMs, 1)} ms (loaded at ${round(empty.loadMs, 1)} ms). ` +
        (fn.invoked
          ? 'The first invocation reads the secret(s), mints a token at /auth and opens the AWS connections (Sparkfly latency 0).'
          : 'Load only: its first invocation needs state this bench does not set up.'),
    })
  }
}
