import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import type { BuiltBundle } from './support/bundle'
import { median } from './support/stats'

/**
 * Runs in a fresh `node` process: requires the bundle, reads its `handler` and, when an event file is given, invokes
 * it once (the first invocation of a cold container), writes its own timings to the result file (stdout is the
 * function's log) and exits. The parent times the whole process.
 */
const LOADER = `'use strict'
const { performance } = require('node:perf_hooks')
const { readFileSync } = require('node:fs')
const loaded = require(process.argv[2])
if (typeof loaded.handler !== 'function') throw new Error('the bundle exports no handler')
const loadedAt = performance.now()
const context = {
  awsRequestId: 'cold-' + process.pid, functionName: 'cold', functionVersion: '$LATEST', memoryLimitInMB: '256',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cold', logGroupName: 'cold', logStreamName: 'cold',
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000,
  done() {}, fail() {}, succeed() {},
}
const { writeFileSync } = require('node:fs')
const event = process.argv[4] ? JSON.parse(readFileSync(process.argv[4], 'utf8')) : undefined
Promise.resolve(event === undefined ? undefined : loaded.handler(event, context)).then((answer) => {
  const failed = answer && ((answer.batchItemFailures && answer.batchItemFailures.length > 0) ||
    (answer.statusCode !== undefined && answer.statusCode >= 300))
  if (failed) { process.stderr.write(JSON.stringify(answer)); process.exit(2) }
  const invokedAt = performance.now()
  writeFileSync(process.argv[3], JSON.stringify({ loadMs: loadedAt, invokeMs: invokedAt - loadedAt }))
  process.exit(0)
})
`

interface Sample {
  /** Parent-side wall time of the whole process: spawn → exit. */
  processMs: number
  /** Inside the process: process start → handler loaded. */
  loadMs: number
  /** The first invocation (0 when the function is only loaded). */
  invokeMs: number
}

/** A bundle to start cold, and the first event of each run (none: load only). */
export interface ColdSubject {
  bundle: BuiltBundle
  label: string
  event?: () => Promise<unknown>
}

export interface ColdStartFigure {
  label: string
  processMs: number
  loadMs: number
  invokeMs: number
  invoked: boolean
}

/** The functions of the project: every functions/<name>.ts. */
export function functionNames(): string[] {
  return readdirSync(join(__dirname, '..', 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort()
}

function run(
  loader: string,
  file: string,
  eventFile: string | undefined,
  env: Record<string, string>,
): Sample {
  const result = `${eventFile ?? file}.result.json`
  const args = eventFile ? [loader, file, result, eventFile] : [loader, file, result]
  const started = performance.now()
  const child = spawnSync(process.execPath, args, {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const processMs = performance.now() - started
  if (child.status !== 0) throw new Error(`cold start of ${file} failed (${child.status}):\n${child.stderr}`)
  return { processMs, ...(JSON.parse(readFileSync(result, 'utf8')) as Omit<Sample, 'processMs'>) }
}

/**
 * Starts each subject `runs` times in a fresh node process (subjects interleaved, so drift of the machine hits all
 * alike; one unmeasured warm-up of the file cache each), with a fresh first event per run.
 */
export async function measureColdStarts(
  outdir: string,
  env: Record<string, string>,
  subjects: ColdSubject[],
  runs: number,
): Promise<ColdStartFigure[]> {
  const loader = join(outdir, 'loader.cjs')
  writeFileSync(loader, LOADER)
  const samples = new Map(subjects.map((s) => [s.label, [] as Sample[]]))
  const once = async (subject: ColdSubject, index: number) => {
    let eventFile: string | undefined
    if (subject.event) {
      eventFile = join(outdir, `event-${subject.label.replace(/\W+/g, '-')}-${index}.json`)
      writeFileSync(eventFile, JSON.stringify(await subject.event()))
    }
    return run(loader, subject.bundle.file, eventFile, env)
  }
  for (const subject of subjects) await once(subject, -1)
  for (let index = 0; index < runs; index++) {
    for (const subject of subjects) samples.get(subject.label)!.push(await once(subject, index))
  }
  return subjects.map((subject) => {
    const list = samples.get(subject.label)!
    return {
      label: subject.label,
      processMs: median(list.map((s) => s.processMs)),
      loadMs: median(list.map((s) => s.loadMs)),
      invokeMs: median(list.map((s) => s.invokeMs)),
      invoked: subject.event !== undefined,
    }
  })
}
