/** Figure 5: bundle size per function, before and after the levers (deterministic: CI runs it). */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { functionNames } from '../coldStart'
import { BENCH, type BenchProcesses, LIMITS, log, record } from '../support/bench'
import { type BuiltBundle, type BundleVariant, bundle, contributors, ROOT } from '../support/bundle'
import { round } from '../support/stats'

export type BuiltFunctions = Record<BundleVariant, BuiltBundle[]>

/** Every functions/<name>.ts built as `variant` with the serverless.yml esbuild options into `outdir/<variant>`. */
export async function buildFunctions(outdir: string, variant: BundleVariant): Promise<BuiltBundle[]> {
  const dir = join(outdir, variant)
  mkdirSync(dir, { recursive: true })
  const built: BuiltBundle[] = []
  for (const name of functionNames()) {
    built.push(await bundle(name, join(ROOT, 'functions', `${name}.ts`), dir, variant))
  }
  return built
}

const topContributors = (fn: BuiltBundle) =>
  contributors(fn.metafile)
    .slice(0, 3)
    .map((t) => `${t.owner} ${round(t.bytes / BENCH.kb, 1)} KB`)
    .join(', ')

/** The largest bundle against the goal of docs/performance.md (the full run only: CI checks the regression limits). */
function recordGoal(bench: BenchProcesses, built: BuiltBundle[]) {
  const largest = built.reduce((a, b) => (b.bytes > a.bytes ? b : a))
  const kb = largest.bytes / BENCH.kb
  record(bench, 5, {
    name: 'Largest bundle against the goal',
    value: round(kb, 1),
    unit: 'KB',
    target: `≤ ${BENCH.bundleLimitKb}`,
    met: kb <= BENCH.bundleLimitKb,
    notes: `${largest.name}: every bundle must be at most ${BENCH.bundleLimitKb} KB minified.`,
  })
}

/**
 * Figure 5: each bundle's minified size against its regression limit (bench/limits.json), before and after the levers,
 * with its largest parts; with `goal`, the largest against the goal too.
 */
export async function bundleSizes(
  bench: BenchProcesses,
  options: { goal: boolean },
): Promise<BuiltFunctions> {
  log('\nBundle size per function (esbuild with the serverless.yml options)')
  const built: BuiltFunctions = {
    before: await buildFunctions(bench.temp, 'before'),
    current: await buildFunctions(bench.temp, 'current'),
  }
  for (const [index, fn] of built.current.entries()) {
    const kb = fn.bytes / BENCH.kb
    const before = built.before[index]!
    const limit = LIMITS.bundleKb[fn.name]
    record(bench, 5, {
      name: `Bundle size: ${fn.name}`,
      value: round(kb, 1),
      unit: 'KB',
      target: limit === undefined ? 'a limit in bench/limits.json' : `≤ ${limit}`,
      met: limit !== undefined && kb <= limit,
      notes:
        `minified, AWS SDK inside (1 KB = 1024 bytes); before the levers (default credential chain, fetch) ` +
        `${round(before.bytes / BENCH.kb, 1)} KB. Largest parts now: ${topContributors(fn)}.`,
    })
  }
  if (options.goal) recordGoal(bench, built.current)
  return built
}
