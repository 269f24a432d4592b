/** Figure 5: bundle size per function (deterministic: CI runs it on every submission). */
import { join } from 'node:path'
import { functionNames } from '../coldStart'
import { BENCH, type BenchProcesses, log, record } from '../support/bench'
import { type BuiltBundle, bundle, contributors, ROOT } from '../support/bundle'
import { round } from '../support/stats'

/** Every functions/<name>.ts built with the serverless.yml esbuild options into `outdir`. */
export async function buildFunctions(outdir: string): Promise<BuiltBundle[]> {
  const built: BuiltBundle[] = []
  for (const name of functionNames())
    built.push(await bundle(name, join(ROOT, 'functions', `${name}.ts`), outdir))
  return built
}

/** Figure 5: each bundle's minified size against the limit, with its three largest contributors. */
export async function bundleSizes(bench: BenchProcesses): Promise<BuiltBundle[]> {
  log('\nBundle size per function (esbuild with the serverless.yml options)')
  const built = await buildFunctions(bench.temp)
  for (const fn of built) {
    const kb = fn.bytes / BENCH.kb
    const top = contributors(fn.metafile)
      .slice(0, 3)
      .map((t) => `${t.owner} ${round(t.bytes / BENCH.kb, 1)} KB`)
      .join(', ')
    record(bench, 5, {
      name: `Bundle size: ${fn.name}`,
      value: round(kb, 1),
      unit: 'KB',
      target: `≤ ${BENCH.bundleLimitKb}`,
      met: kb <= BENCH.bundleLimitKb,
      notes: `minified, AWS SDK inside (1 KB = 1024 bytes); largest contributors: ${top}.`,
    })
  }
  return built
}
