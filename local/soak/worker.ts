/** The soak's issuance "container": a child process running `issuanceWorker.ts`, killed and restarted at will. */
import { type ChildProcess, fork } from 'node:child_process'
import { resolve } from 'node:path'

/** The worker, relative to the project root. */
const WORKER = 'local/soak/issuanceWorker.ts'
const START_TIMEOUT_MS = 30_000
const STOP_GRACE_MS = 5_000
const KEPT_OUTPUT_CHUNKS = 50

export interface WorkerSettings {
  rootDir: string
  queueUrl: string
  functionTimeoutMs: number
  maxConcurrency?: number
  /** The functions' environment (the local endpoints). */
  env: Record<string, string>
}

/** What the worker processes reported, across restarts. */
export interface WorkerTally {
  /** The last chunks of their stdout/stderr. */
  output: string[]
  /** Invocations that hit the function timeout. */
  invocationTimeouts: number
}

export function newWorkerTally(): WorkerTally {
  return { output: [], invocationTimeouts: 0 }
}

/** Forks a worker and resolves once it says it polls; rejects when it exits or stays silent for 30 s. */
export async function startWorker(settings: WorkerSettings, tally: WorkerTally): Promise<ChildProcess> {
  const child = fork(resolve(settings.rootDir, WORKER), [], {
    cwd: settings.rootDir,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      ...settings.env,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      SOAK_ROOT_DIR: settings.rootDir,
      SOAK_QUEUE_URL: settings.queueUrl,
      SOAK_FUNCTION_TIMEOUT_MS: String(settings.functionTimeoutMs),
      ...(settings.maxConcurrency ? { SOAK_MAX_CONCURRENCY: String(settings.maxConcurrency) } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  const keep = (chunk: Buffer) => {
    tally.output.push(chunk.toString())
    if (tally.output.length > KEPT_OUTPUT_CHUNKS) tally.output.shift()
  }
  child.on('message', (message: { type?: string }) => {
    if (message?.type === 'timeout') tally.invocationTimeouts += 1
  })
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(
      () => fail(new Error('issuance worker did not start within 30 s')),
      START_TIMEOUT_MS,
    )
    child.once('message', () => {
      clearTimeout(timer)
      ready()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`issuance worker exited with ${code}: ${tally.output.join('').slice(-2000)}`))
    })
  })
  return child
}

/** Resolves once the process has exited (at once when it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((done) => child.once('exit', () => done()))
}

/** SIGTERM, then SIGKILL when the worker has not exited within 5 s. */
export async function stopWorker(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM')
  await Promise.race([exited(child), new Promise<void>((done) => setTimeout(done, STOP_GRACE_MS))])
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}
