/**
 * The bench's shared state: the settings, the child processes every figure talks to, and the results so far. Each
 * figure is a step over this state (bench/figures); bench/run.ts runs them in order.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BundleVariant, ROOT } from './bundle'
import { Child } from './ipc'
import type { IssuedForBench, ServersInfo } from './servers'
import { WorkerBundles } from './workers'

export interface Result {
  name: string
  value: number
  unit: string
  /** The target as text (`≥ 0.9`), or null where the figure is reported without one. */
  target: string | null
  met: boolean | null
  notes?: string
}

/** The regression limits CI checks (bench/limits.json, shared with scripts/bundle-sizes.mjs). */
export const LIMITS = JSON.parse(readFileSync(join(ROOT, 'bench', 'limits.json'), 'utf8')) as {
  awsCalls: Record<string, { sequential: number; total: number }>
  bundleKb: Record<string, number>
  zipKb: number
}

/** Settings of the run (the issue's figures; sizes chosen so the whole bench stays within a few minutes). */
export const BENCH = {
  latencyMs: 50,
  /** SPARKFLY_CONCURRENCY of the handler under test (the serverless.yml default). */
  concurrency: 10,
  batchSizes: [10, 100],
  naiveRounds: { 10: 5, 100: 3 },
  cpuRuns: 5,
  cpuBatchesPerRun: 30,
  calibrationRequests: 500,
  coldStartRuns: 9,
  coldInvocations: 100,
  memoryEvents: 10_000,
  webhookPairs: 120,
  webhookWarmupPairs: 10,
  /** The smallest Lambda memory size: the memory figure runs with its V8 heap limits. */
  lambdaMemoryMb: 128,
  kb: 1024,
  bundleLimitKb: 350,
  /** The targets of issue 17 (docs/performance.md). */
  targets: {
    cpuOverFloor: 2.5,
    throughput: { 10: 5, 100: 8 },
    coldStartOverEmpty: 1.5,
    webhookCpuMs: 8,
  },
  /** Held at the counting proxies before each AWS call (bench/support/servers.ts): calls issued together overlap. */
  countedCallDelayMs: 25,
} as const

/** The processes of a run, created before anything can fail so that {@link closeBench} can always stop them. */
export interface BenchProcesses {
  readonly started: number
  readonly loadAtStart: number
  readonly temp: string
  readonly workers: WorkerBundles
  /** The workers started so far (stopped at the end). */
  readonly children: Child[]
  /** The sandbox and local AWS. */
  readonly servers: Child
  /** Results in the order they were measured; `figure` is their number in docs/performance.md. */
  readonly results: (Result & { figure: number })[]
}

/** A run whose servers answered: the environment the handler workers get. */
export interface Bench extends BenchProcesses {
  readonly env: Record<string, string>
  /** The same environment with every AWS endpoint behind the counting proxies of the servers child. */
  readonly countedEnv: Record<string, string>
}

export const log = (text: string) => console.log(text)

export function openBench(): BenchProcesses {
  return {
    started: Date.now(),
    loadAtStart: loadavg()[0] ?? 0,
    temp: mkdtempSync(join(tmpdir(), 'bench-')),
    workers: new WorkerBundles(),
    children: [],
    servers: new Child(join(ROOT, 'bench', 'support', 'servers.ts'), {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'WARN' },
      label: 'servers',
    }),
    results: [],
  }
}

/** Waits for the servers and builds the handlers' environment from what they run on. */
export async function connect(processes: BenchProcesses): Promise<Bench> {
  log('Starting the Sparkfly sandbox and local AWS (child process)...')
  const info = await processes.servers.call<ServersInfo>('info')
  return { ...processes, env: handlerEnv(info, info.env), countedEnv: handlerEnv(info, info.countedEnv) }
}

/** What a function gets in Lambda, pointed at `endpoints` (the local services, direct or counted). */
function handlerEnv(info: ServersInfo, endpoints: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    ...endpoints,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    POWERTOOLS_SERVICE_NAME: 'sparkfly-offer-lifecycle',
    POWERTOOLS_METRICS_NAMESPACE: 'OfferLifecycle',
    SPARKFLY_CONCURRENCY: String(BENCH.concurrency),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    BENCH_MEMBER_IDS: JSON.stringify(info.memberIds),
    BENCH_WEBHOOK_SECRET: info.webhookSecrets[0] ?? '',
  }
}

export async function closeBench(processes: BenchProcesses): Promise<void> {
  await Promise.allSettled(processes.children.map((child) => child.stop()))
  await processes.servers.stop()
  processes.workers.dispose()
  rmSync(processes.temp, { recursive: true, force: true })
}

/** Records a figure's result; `figure` is its number in docs/performance.md (the table follows that order). */
export function record(bench: BenchProcesses, figure: number, result: Result): void {
  bench.results.push({ figure, ...result })
  const shown = `${result.value} ${result.unit}`.padEnd(14)
  console.log(`  ${result.met === false ? '✗' : result.met ? '✓' : '·'} ${result.name}: ${shown}`)
}

/** Starts a handler worker (a fresh "container") that the run stops at the end. */
export async function startWorker(
  bench: Bench,
  name: string,
  options: { execArgv?: string[]; env?: Record<string, string>; variant?: BundleVariant } = {},
): Promise<Child> {
  const child = await bench.workers.start(name, options.env ?? bench.env, options.execArgv, options.variant)
  bench.children.push(child)
  return child
}

export const setLatency = (bench: Bench, fixedMs: number) => bench.servers.call('setLatency', { fixedMs })

export const counters = (bench: Bench) =>
  bench.servers.call<{ sandbox: Record<string, number>; secretsManager: Record<string, number> }>('counters')

/** Fresh offer states for redemptions (issued at latency 0). */
export async function issueOffers(bench: Bench, count: number): Promise<IssuedForBench[]> {
  await setLatency(bench, 0)
  return bench.servers.call<IssuedForBench[]>('issueOfferStates', { count })
}
