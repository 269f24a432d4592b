/**
 * `npm run sweep -- [--dry-run]`: runs the expiry sweep once from the command line, against the system that
 * `npm start` runs (it reads `.local/endpoints.json`) or against whatever the environment names.
 *
 *   npx tsx local/sweep-cli.ts [--dry-run] [--now ISO] [--time-limit SECONDS] [--endpoints FILE] [--json]
 *
 * Prints a progress line on stderr while it works and a summary table at the end (found, voided, already
 * redeemed, already voided, failed, remaining). Exit code 0 when the sweep completed without failures, 2 when it
 * stopped early, found the lease busy or left failures, 1 on an error.
 */
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { SweepLogger, SweepProgress, SweepSummary } from '../lib/expiry'

// Locally we run Node 20 (Lambda runs nodejs22.x): the SDK's Node 22 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const USAGE = `Usage: npm run sweep -- [options]
  --dry-run            report what would be voided and marked; change nothing
  --now ISO            judge validity at this time (local stage only; default: the sandbox clock
                       when .local/endpoints.json names a sandbox, else the real time)
  --time-limit S       stop starting work after S seconds minus SWEEP_TIME_MARGIN_MS (default 900)
  --endpoints FILE     endpoints file of the local system (default .local/endpoints.json); when it does
                       not exist, the environment (LEDGER_TABLE, OFFER_EVENTS_QUEUE_URL, ...) is used
  --json               print the summary as JSON instead of a table
  --help`

/** The command line, parsed. */
export interface SweepCliArgs {
  dryRun: boolean
  now?: Date
  timeLimitMs: number
  endpointsFile: string
  json: boolean
}

/** Parses the flags; throws with a message for a bad value, returns 'help' for --help. */
export function parseSweepCliArgs(args: string[], cwd = process.cwd()): SweepCliArgs | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'dry-run': { type: 'boolean' },
      now: { type: 'string' },
      'time-limit': { type: 'string' },
      endpoints: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  })
  if (values.help) return 'help'
  let now: Date | undefined
  if (values.now !== undefined) {
    now = new Date(values.now)
    if (Number.isNaN(now.getTime())) throw new Error('--now must be an ISO-8601 date-time')
  }
  const seconds = values['time-limit'] === undefined ? 900 : Number(values['time-limit'])
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error('--time-limit must be a positive number of seconds')
  return {
    dryRun: values['dry-run'] === true,
    ...(now ? { now } : {}),
    timeLimitMs: Math.round(seconds * 1000),
    endpointsFile: resolve(cwd, values.endpoints ?? '.local/endpoints.json'),
    json: values.json === true,
  }
}

interface EndpointsFile {
  env?: Record<string, string>
  sandbox?: { admin?: string }
}

/** Reads the local system's endpoints file, or undefined when there is none. */
export function readEndpoints(file: string): EndpointsFile | undefined {
  if (!existsSync(file)) return undefined
  return JSON.parse(readFileSync(file, 'utf8')) as EndpointsFile
}

const ROWS: Array<[string, (s: SweepSummary) => number]> = [
  ['found', (s) => s.found],
  ['voided', (s) => s.voided],
  ['already redeemed', (s) => s.alreadyRedeemed],
  ['already voided', (s) => s.alreadyVoided],
  ['not in Sparkfly', (s) => s.notFound],
  ['skipped', (s) => s.skipped.busy + s.skipped.stale + s.skipped.conflict],
  ['failed', (s) => s.failed],
  ['remaining', (s) => s.remaining],
]

/** The summary as the table the command prints. */
export function formatSummaryTable(summary: SweepSummary): string {
  const title = `Expiry sweep${summary.dryRun ? ' (dry run: nothing was changed)' : ''}`
  const width = Math.max(...ROWS.map(([label]) => label.length)) + 2
  const rows = ROWS.map(([label, value]) => {
    const figure = String(value(summary)).padStart(8)
    const note =
      label === 'voided' && summary.dryRun
        ? '  (would void and mark expired)'
        : label === 'remaining' && summary.remainingCapped
          ? '  (or more)'
          : ''
    return `  ${label.padEnd(width)}${figure}${note}`
  })
  const failures = Object.entries(summary.failures).filter(([, n]) => n > 0)
  return [
    title,
    `  status ${summary.status}, judged at ${summary.now}, ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  due: offer states expiring by ${summary.cutoffs.offerState}, credentials issued by ${summary.cutoffs.credential}`,
    '',
    ...rows,
    ...(failures.length > 0
      ? ['', `  failures: ${failures.map(([reason, n]) => `${reason} ${n}`).join(', ')}`]
      : []),
  ].join('\n')
}

function progressLine(progress: SweepProgress): string {
  const p = progress
  return `sweeping ${p.partition.kind}#${p.partition.shard}: ${p.found} found, ${p.voided} voided, ${p.alreadyRedeemed} already redeemed, ${p.alreadyVoided} already voided, ${p.failed} failed`
}

/** Writes a progress line on stderr at most every 200 ms (overwritten in place on a terminal). */
function progressPrinter(): { report: (progress: SweepProgress) => void; done: () => void } {
  let last = 0
  let pending: SweepProgress | undefined
  const tty = process.stderr.isTTY === true
  const write = (progress: SweepProgress) => {
    const line = progressLine(progress)
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`)
    pending = undefined
  }
  return {
    report(progress) {
      pending = progress
      const now = Date.now()
      if (now - last < 200) return
      last = now
      write(progress)
    },
    done() {
      if (pending) write(pending)
      if (tty && last > 0) process.stderr.write('\n')
    },
  }
}

const stderrLogger: SweepLogger = {
  info: () => undefined,
  warn: (message, attributes) => process.stderr.write(`! ${message} ${JSON.stringify(attributes ?? {})}\n`),
  error: (message, attributes) => process.stderr.write(`!! ${message} ${JSON.stringify(attributes ?? {})}\n`),
}

/** Reads the sandbox clock (the local system's time) from its admin surface. */
async function sandboxNow(adminUrl: string): Promise<Date | undefined> {
  try {
    const response = await fetch(`${adminUrl.replace(/\/+$/, '')}/clock`, {
      signal: AbortSignal.timeout(2_000),
    })
    if (!response.ok) return undefined
    const body = (await response.json()) as { now?: string }
    const now = body.now ? new Date(body.now) : undefined
    return now && !Number.isNaN(now.getTime()) ? now : undefined
  } catch {
    return undefined
  }
}

async function main(): Promise<number> {
  const args = parseSweepCliArgs(process.argv.slice(2))
  if (args === 'help') {
    console.log(USAGE)
    return 0
  }
  const askedLogLevel = process.env.POWERTOOLS_LOG_LEVEL
  const endpoints = readEndpoints(args.endpointsFile)
  if (endpoints?.env) Object.assign(process.env, endpoints.env)
  // The service's JSON logs would bury the table: only errors, unless this shell asked for more.
  process.env.POWERTOOLS_LOG_LEVEL = askedLogLevel ?? 'ERROR'
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'
  // Imported after the environment is set: the configuration and the SDK clients read it.
  const { appContext } = await import('../lib/app/context')
  const { runExpirySweep } = await import('../lib/app/expiry')
  const app = appContext()

  if (args.now && app.config.STAGE !== 'local') {
    throw new Error(`--now is accepted only on the local stage (STAGE is "${app.config.STAGE}")`)
  }
  const localClock =
    !args.now && app.config.STAGE === 'local' && endpoints?.sandbox?.admin
      ? await sandboxNow(endpoints.sandbox.admin)
      : undefined
  const now = args.now ?? localClock ?? new Date()
  const deadline = Date.now() + args.timeLimitMs
  const progress = progressPrinter()
  process.stderr.write(
    `${args.dryRun ? 'Dry run: ' : ''}sweeping offers due at ${now.toISOString()}${localClock ? ' (sandbox clock)' : ''}\n`,
  )

  const summary = await runExpirySweep(
    {
      runId: `cli-${randomUUID()}`,
      now,
      dryRun: args.dryRun,
      remainingTimeMs: () => Math.max(0, deadline - Date.now()),
    },
    { onProgress: progress.report, logger: stderrLogger },
  )
  progress.done()

  if (args.json) console.log(JSON.stringify(summary, null, 2))
  else {
    console.log(formatSummaryTable(summary))
    if (summary.dryRun && summary.actions && summary.actions.length > 0) {
      console.log('')
      console.log(`  first ${summary.actions.length} offers examined:`)
      for (const action of summary.actions) {
        console.log(
          `    ${action.kind.padEnd(10)} ${action.id.padEnd(12)} due ${action.dueAt ?? '?'}  -> ${action.outcome}`,
        )
      }
    }
  }
  return summary.status === 'complete' && summary.failed === 0 ? 0 : 2
}

// Run only when executed (tsx local/sweep-cli.ts), not when a test imports its helpers.
if (/sweep-cli\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `sweep failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
      )
      process.exit(1)
    },
  )
}
