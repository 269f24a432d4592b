#!/usr/bin/env node
// Prints each function's bundle size (minified JS with the AWS SDK inside) and its zip size.
// Usage: node scripts/bundle-sizes.mjs [.serverless]  (run after `npx osls package`)
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2] ?? '.serverless'
const build = '.esbuild/.build/functions'
const kb = (n) => `${(n / 1024).toFixed(1)} KB`
const rows = []
if (existsSync(build)) {
  for (const file of readdirSync(build).filter((f) => f.endsWith('.js'))) {
    const name = file.replace(/\.js$/, '')
    const zip = readdirSync(dir).find(
      (z) => z.endsWith('.zip') && z.toLowerCase().includes(name.replace(/-/g, '').toLowerCase()),
    )
    rows.push({
      function: name,
      bundle: kb(statSync(join(build, file)).size),
      zip: zip ? kb(statSync(join(dir, zip)).size) : '-',
    })
  }
}
if (rows.length === 0) {
  for (const z of readdirSync(dir).filter((f) => f.endsWith('.zip')))
    rows.push({ function: z, bundle: '-', zip: kb(statSync(join(dir, z)).size) })
}
console.table(rows)
