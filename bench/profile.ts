/**
 * `npm run bench:profile -- issuance|webhook`: where a handler's CPU goes. Runs the bench worker from its TypeScript
 * sources (so every sample names its package) under `node --cpu-prof`, against the bench's servers at Sparkfly latency
 * 0, and prints the self time per package or project folder. docs/performance.md quotes it where a target is missed.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { closeBench, connect, issueOffers, openBench, setLatency } from './support/bench'
import { ROOT } from './support/bundle'
import { Child } from './support/ipc'

interface ProfileNode {
  id: number
  callFrame: { url: string; functionName: string }
}
interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/**
 * The package (`@smithy/core`), project folder (`lib/sparkfly`), Node module (`node internal/streams/writable.js`) or
 * native function a sample's code belongs to.
 */
function ownerOf(frame: ProfileNode['callFrame']): string {
  const url = frame.url.replace(/^file:\/\//, '')
  const at = url.lastIndexOf('node_modules/')
  if (at >= 0) {
    const parts = url.slice(at + 'node_modules/'.length).split('/')
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  if (url.startsWith(ROOT)) return relative(ROOT, url).split('/').slice(0, 2).join('/')
  if (frame.functionName.startsWith('(')) return frame.functionName
  if (url.startsWith('node:')) return `node ${url.slice('node:'.length).split('/').slice(0, 3).join('/')}`
  return `native ${frame.functionName || '(anonymous)'}`
}

/** Self time (ms) per owner, largest first, without idle time. */
export function summarise(profile: CpuProfile): { owner: string; ms: number }[] {
  const owners = new Map(profile.nodes.map((node) => [node.id, ownerOf(node.callFrame)]))
  const totals = new Map<string, number>()
  profile.samples.forEach((id, index) => {
    const owner = owners.get(id) ?? 'unknown'
    totals.set(owner, (totals.get(owner) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000)
  })
  totals.delete('(idle)')
  return [...totals].map(([owner, ms]) => ({ owner, ms })).sort((a, b) => b.ms - a.ms)
}

/** Drives the worker: warm-up, then the profiled work (latency 0). */
async function drive(subject: string, worker: Child, bench: Awaited<ReturnType<typeof connect>>) {
  if (subject === 'issuance') {
    await worker.call('cpu', { batches: 20, batchSize: 10 })
    await worker.call('cpu', { batches: 100, batchSize: 10 })
    return '1,000 issued offers in invocations of 10'
  }
  const offers = await issueOffers(bench, 220)
  for (const offer of offers) await worker.call('redeemOne', { offer })
  return '220 webhook redemptions, one at a time (the first 20 warm it up)'
}

async function main(subject: string) {
  if (subject !== 'issuance' && subject !== 'webhook')
    throw new Error('usage: bench/profile.ts issuance|webhook')
  const processes = openBench()
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'))
  try {
    const bench = await connect(processes)
    await setLatency(bench, 0)
    const worker = new Child(join(ROOT, 'bench', 'workers', `${subject}.ts`), {
      execArgv: ['--import', 'tsx', '--cpu-prof', '--cpu-prof-dir', dir],
      env: bench.env,
      label: `profiled ${subject}`,
    })
    processes.children.push(worker)
    const work = await drive(subject, worker, bench)
    await worker.stop()
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))
    if (!file) throw new Error(`no profile written in ${dir}`)
    const rows = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile)
    const total = rows.reduce((sum, row) => sum + row.ms, 0)
    console.log(`\n${subject}: ${work}; self CPU time by owner (profile ${join(dir, file)}):`)
    for (const row of rows.slice(0, 18)) {
      console.log(
        `${row.ms.toFixed(0).padStart(7)} ms ${((100 * row.ms) / total).toFixed(1).padStart(5)} %  ${row.owner}`,
      )
    }
  } finally {
    await closeBench(processes)
  }
}

main(process.argv[2] ?? 'issuance').catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
