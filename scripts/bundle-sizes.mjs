#!/usr/bin/env node
// Prints each function's bundle size (minified JS with the AWS SDK inside) and its zip size, and fails (exit 1)
// when one is over its limit or missing.
// Usage: node scripts/bundle-sizes.mjs [.serverless]  (run after `npx osls package [--package <dir>]`)
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'

const KB = 1024
// Limits per function (bundle, by its functions/<file> name) and for every zip: bench/limits.json, which
// `npm run bench -- --check --only deterministic` checks too. Lower them as bundles shrink, never raise them without a
// reason in the commit message.
const LIMITS = JSON.parse(readFileSync(new URL('../bench/limits.json', import.meta.url), 'utf8'))
const MAX_ZIP_BYTES = LIMITS.zipKb * KB
// Where serverless-esbuild leaves the bundles (custom.esbuild.keepOutputDirectory).
const BUILD_DIR = '.esbuild/.build'

const dir = process.argv[2] ?? '.serverless'
const stateFile = join(dir, 'serverless-state.json')
if (!existsSync(stateFile)) {
  console.log(`${stateFile} not found: run \`npx osls package\` first`)
  process.exit(1)
}
const functions = JSON.parse(readFileSync(stateFile, 'utf8')).service?.functions ?? {}

const kb = (bytes) => (bytes === undefined ? '-' : `${(bytes / KB).toFixed(1)} KB`)
const sizeOf = (file) => (existsSync(file) ? statSync(file).size : undefined)

const rows = []
const problems = []
for (const [name, fn] of Object.entries(functions)) {
  const module = fn.handler.slice(0, fn.handler.lastIndexOf('.'))
  const bundle = sizeOf(join(BUILD_DIR, `${module}.js`))
  const limitKb = LIMITS.bundleKb[basename(module)]
  const maxBundleBytes = (limitKb ?? 0) * KB
  const zip = fn.package?.artifact ? sizeOf(join(dir, basename(fn.package.artifact))) : undefined
  rows.push({ function: name, bundle: kb(bundle), limit: kb(maxBundleBytes), zip: kb(zip) })
  if (limitKb === undefined)
    problems.push(`${name}: no bundle limit for ${basename(module)} in bench/limits.json`)
  else if (bundle === undefined) problems.push(`${name}: no bundle at ${join(BUILD_DIR, `${module}.js`)}`)
  else if (bundle > maxBundleBytes) problems.push(`${name}: bundle ${kb(bundle)} > ${kb(maxBundleBytes)}`)
  if (zip === undefined) problems.push(`${name}: no zip in ${dir}`)
  else if (zip > MAX_ZIP_BYTES) problems.push(`${name}: zip ${kb(zip)} > ${kb(MAX_ZIP_BYTES)}`)
}
if (rows.length === 0) problems.push(`${stateFile} lists no function`)

console.table(rows)
console.log(`limits: bundle per function (bench/limits.json), zip ${kb(MAX_ZIP_BYTES)}`)
if (problems.length > 0) {
  for (const problem of problems) console.log(`  - ${problem}`)
  console.log(`bundle size check FAILED: ${problems.length} problem(s)`)
  process.exit(1)
}
console.log('bundle size check passed')
