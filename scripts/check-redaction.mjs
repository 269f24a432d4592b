#!/usr/bin/env node
// Searches a captured log for secret values. Every secret the test-suite uses has a recognisable form: sandbox
// account keys (sbx_key_), sandbox tokens (sbx_tok_) and webhook signing secrets (whsec_). Any hit fails.
// Usage: node scripts/check-redaction.mjs reports/test.log
import { readFileSync } from 'node:fs'

const file = process.argv[2] ?? 'reports/test.log'
const text = readFileSync(file, 'utf8')
const patterns = [/sbx_key_[A-Za-z0-9_-]{8,}/g, /sbx_tok_[A-Za-z0-9_-]{8,}/g, /whsec_[A-Za-z0-9+/=]{8,}/g]
let hits = 0
for (const pattern of patterns) {
  for (const match of text.matchAll(pattern)) {
    hits++
    if (hits <= 5) console.log(`  secret-like value at offset ${match.index}: ${match[0].slice(0, 10)}…`)
  }
}
console.log(`secret redaction: ${hits} hit(s) in ${(text.length / 1024).toFixed(0)} KB of test output`)
process.exit(hits === 0 ? 0 : 1)
