/** Figures of the issuance handler (docs/performance.md 2, 3 and 7), measured in bundled handler workers. */

import type { CallSummary } from '../../local/aws/callCounter'
import { BENCH, type Bench, counters, log, record, setLatency, startWorker } from '../support/bench'
import type { BundleVariant } from '../support/bundle'
import type { Child } from '../support/ipc'
import { median, round } from '../support/stats'

/** Figure 7: secret and token reads of 100 concurrent cold invocations (fresh worker = fresh container). */
export async function coldIssuanceReads(bench: Bench): Promise<Child> {
  log(`\nSecret and token reads: ${BENCH.coldInvocations} concurrent cold invocations`)
  await setLatency(bench, BENCH.latencyMs)
  await bench.servers.call('resetCounters')
  const issuance = await startWorker(bench, 'issuance')
  const cold = await issuance.call<{ failures: number }>('concurrentCold', {
    invocations: BENCH.coldInvocations,
  })
  if (cold.failures > 0) throw new Error(`${cold.failures} cold invocations failed`)
  const counts = await counters(bench)
  const note = `${BENCH.coldInvocations} concurrent first invocations (an SQS batch of 1 event each) of one fresh handler instance, sandbox latency ${BENCH.latencyMs} ms; counted at the local Secrets Manager and the sandbox.`
  for (const [what, value] of [
    ['GetSecretValue', counts.secretsManager.GetSecretValue ?? 0],
    ['/auth', counts.sandbox.auth ?? 0],
  ] as const) {
    record(bench, 7, {
      name: `Issuance cold: ${what} calls`,
      value,
      unit: 'calls',
      target: '1',
      met: value === 1,
      notes: note,
    })
  }
  return issuance
}

interface CpuRun {
  cpuMs: number
  wallMs: number
  events: number
}

/** CPU per event of `worker` over the configured runs (latency 0), and the Sparkfly calls it made per event. */
async function cpuRuns(
  bench: Bench,
  worker: Child,
): Promise<{ perEvent: number[]; sparkflyPerEvent: number }> {
  await worker.call('cpu', { batches: 20, batchSize: 10 }) // warm-up: connections, JIT
  await bench.servers.call('resetCounters')
  const runs: CpuRun[] = []
  for (let run = 0; run < BENCH.cpuRuns; run++) {
    runs.push(await worker.call<CpuRun>('cpu', { batches: BENCH.cpuBatchesPerRun, batchSize: 10 }))
  }
  const sandbox = (await counters(bench)).sandbox
  const sparkflyCalls = Object.values(sandbox).reduce((sum, n) => sum + n, 0)
  const events = runs.reduce((sum, r) => sum + r.events, 0)
  return { perEvent: runs.map((r) => r.cpuMs / r.events), sparkflyPerEvent: sparkflyCalls / events }
}

/**
 * Figure 2: handler CPU per issued offer (latency 0) over its transport floor: the CPU of the round trips it must make
 * (the AWS calls counted in figure 1, the Sparkfly calls counted at the sandbox), each at the cost of one bare
 * keep-alive node:http round trip calibrated in the same process. Before and after the levers, in one run.
 */
export async function cpuOverFloor(bench: Bench, calls: { issuanceBatch10: CallSummary }): Promise<void> {
  log('\nIssuance CPU per event over its transport floor (sandbox latency 0)')
  await setLatency(bench, 0)
  const awsPerEvent = calls.issuanceBatch10.total / 10
  for (const variant of ['before', 'current'] as BundleVariant[]) {
    const worker = await startWorker(bench, 'issuance', { variant })
    const { perEvent, sparkflyPerEvent } = await cpuRuns(bench, worker)
    const calibration = await worker.call<{ nodeHttpMs: number; fetchMs: number }>('calibrate', {
      requests: BENCH.calibrationRequests,
    })
    await worker.stop()
    const cpu = median(perEvent)
    const floor = (awsPerEvent + sparkflyPerEvent) * calibration.nodeHttpMs
    const ratio = cpu / floor
    record(bench, 2, {
      name: `Issuance CPU / transport floor (${variant})`,
      value: round(ratio, 2),
      unit: '×',
      target: variant === 'current' ? `≤ ${BENCH.targets.cpuOverFloor}` : null,
      met: variant === 'current' ? ratio <= BENCH.targets.cpuOverFloor : null,
      notes:
        `${variant}: median over ${BENCH.cpuRuns} runs of ${BENCH.cpuBatchesPerRun} invocations × 10 events of ` +
        `process.cpuUsage() / events = ${round(cpu, 3)} ms per event (runs ${perEvent.map((v) => round(v, 3)).join(', ')}). ` +
        `Floor = (${round(awsPerEvent, 2)} AWS calls + ${round(sparkflyPerEvent, 2)} Sparkfly calls per event) × ` +
        `${round(calibration.nodeHttpMs, 3)} ms CPU per bare keep-alive node:http round trip = ${round(floor, 3)} ms ` +
        `(fetch: ${round(calibration.fetchMs, 3)} ms per round trip).`,
    })
  }
}

/**
 * Median batch time of the naive and the product handler on new events, alternating, at latency L; and the product's
 * floor, the same batch at latency 0 (handler CPU and the local DynamoDB/SQS emulators, which share the machine).
 */
async function alternate(bench: Bench, worker: Child, n: number, rounds: number) {
  await worker.call('invoke', { handler: 'naive', n: Math.min(n, 10), repeats: 1 }) // warm-up
  await worker.call('invoke', { handler: 'optimized', n, repeats: 1 })
  const naive: number[] = []
  const product: number[] = []
  const floor: number[] = []
  const invoke = (handler: string) => worker.call<number[]>('invoke', { handler, n, repeats: 1 })
  for (let i = 0; i < rounds; i++) {
    naive.push(...(await invoke('naive')))
    product.push(...(await invoke('optimized')))
    await setLatency(bench, 0)
    floor.push(...(await invoke('optimized')))
    await setLatency(bench, BENCH.latencyMs)
  }
  return { naiveMs: median(naive), productMs: median(product), floorMs: median(floor) }
}

/** Figure 3: throughput against the fixed plain naive handler (bench/naive.ts) at L = 50 ms, batches of 10 and 100. */
export async function naiveThroughput(bench: Bench, issuance: Child): Promise<void> {
  log(`\nThroughput against the plain naive handler (sandbox latency ${BENCH.latencyMs} ms)`)
  await setLatency(bench, BENCH.latencyMs)
  for (const n of BENCH.batchSizes) {
    const target = BENCH.targets.throughput[n as 10 | 100]
    const { naiveMs, productMs, floorMs } = await alternate(
      bench,
      issuance,
      n,
      BENCH.naiveRounds[n as 10 | 100],
    )
    const ratio = naiveMs / productMs
    record(bench, 3, {
      name: `Throughput vs plain naive, batch ${n}`,
      value: round(ratio, 1),
      unit: '×',
      target: `≥ ${target}`,
      met: ratio >= target,
      notes:
        `${BENCH.naiveRounds[n as 10 | 100]} alternating invocations of each with ${n} new events, ` +
        `Sparkfly latency ${BENCH.latencyMs} ms, SPARKFLY_CONCURRENCY ${BENCH.concurrency}: naive median ` +
        `${round(naiveMs, 1)} ms per batch (${round((n * 1000) / naiveMs, 1)} events/s), product ` +
        `${round(productMs, 1)} ms (${round((n * 1000) / productMs, 1)} events/s). Naive = bench/naive.ts: ` +
        'records in sequence, GetSecretValue and /auth on every invocation, fetch, no ledger and no event. ' +
        `The product's batch at latency 0 takes ${round(floorMs, 1)} ms (its CPU and the local DynamoDB/SQS ` +
        `emulators'): Sparkfly's latency adds ${round(productMs - floorMs, 1)} ms against ` +
        `ceil(${n}/${BENCH.concurrency}) × ${BENCH.latencyMs} = ${Math.ceil(n / BENCH.concurrency) * BENCH.latencyMs} ms.`,
    })
  }
}
