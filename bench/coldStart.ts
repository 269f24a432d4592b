import { spawnSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BuiltBundle, bundle, contributors, ROOT } from './support/bundle'
import { median } from './support/stats'

/**
 * Runs in a fresh `node` process: the time from the process's start (performance.timeOrigin) until the bundle is
 * required and its `handler` read, and the require alone.
 */
const LOADER = `'use strict'
const { performance } = require('node:perf_hooks')
const before = performance.now()
const loaded = require(process.argv[2])
if (typeof loaded.handler !== 'function') throw new Error('the bundle exports no handler')
const after = performance.now()
process.stdout.write(JSON.stringify({ totalMs: after, requireMs: after - before, rssMb: process.memoryUsage.rss() / 1048576 }))
`

interface Sample {
  totalMs: number
  requireMs: number
  rssMb: number
}

export interface ColdStartFigure {
  name: string
  bytes: number
  /** Median ms from process start to the handler, over the runs. */
  totalMs: number
  requireMs: number
  /** Median RSS right after the handler was loaded. */
  rssMb: number
  ratio: number
  /** The three largest contributors to the bundle (package or project folder) with their bytes. */
  top: { owner: string; bytes: number }[]
}

/** The functions of the project: every functions/<name>.ts. */
export function functionNames(): string[] {
  return readdirSync(join(ROOT, 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3))
    .sort()
}

function load(loader: string, file: string, env: Record<string, string>) {
  const run = spawnSync(process.execPath, [loader, file], { env, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`loading ${file} failed:\n${run.stderr}`)
  return JSON.parse(run.stdout) as Sample
}

/**
 * Builds each function and an empty handler with the serverless.yml esbuild options, then loads each `runs` times in
 * a fresh node process (bundles interleaved so drift of the machine hits all alike).
 */
export async function measureColdStarts(
  outdir: string,
  env: Record<string, string>,
  runs: number,
): Promise<{ empty: Sample & { bytes: number }; functions: ColdStartFigure[] }> {
  const emptyEntry = join(outdir, 'empty-entry.js')
  writeFileSync(emptyEntry, 'exports.handler = async () => ({})\n')
  const loader = join(outdir, 'loader.cjs')
  writeFileSync(loader, LOADER)

  const bundles: BuiltBundle[] = []
  for (const name of functionNames()) {
    bundles.push(await bundle(name, join(ROOT, 'functions', `${name}.ts`), outdir))
  }
  const empty = await bundle('empty', emptyEntry, outdir)

  const all = [empty, ...bundles]
  const samples = new Map(all.map((b) => [b.name, [] as Sample[]]))
  for (const b of all) load(loader, b.file, env) // warms the OS file cache
  for (let run = 0; run < runs; run++) {
    for (const b of all) samples.get(b.name)!.push(load(loader, b.file, env))
  }
  const summary = (name: string) => {
    const list = samples.get(name)!
    return {
      totalMs: median(list.map((s) => s.totalMs)),
      requireMs: median(list.map((s) => s.requireMs)),
      rssMb: median(list.map((s) => s.rssMb)),
    }
  }
  const emptyFigure = { ...summary('empty'), bytes: empty.bytes }
  return {
    empty: emptyFigure,
    functions: bundles.map((b) => {
      const s = summary(b.name)
      return {
        name: b.name,
        bytes: b.bytes,
        ...s,
        ratio: s.totalMs / emptyFigure.totalMs,
        top: contributors(b.metafile).slice(0, 3),
      }
    }),
  }
}
