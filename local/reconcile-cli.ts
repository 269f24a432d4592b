/**
 * `npm run reconcile -- [--dry-run] [--from ISO --to ISO]`: runs reconciliation once from the command line, against
 * the system that `npm start` runs (it reads `.local/endpoints.json`) or against whatever the environment names.
 *
 * Prints a progress line per report window on stderr and a summary table at the end. Exit code 0 when the run
 * completed without drift, 2 when it stopped early, found the lease busy, failed a window or found drift, 1 on an
 * error.
 */
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { ReconcileCounts, ReconcileLogger, ReconcileSummary } from '../lib/reconciliation'
import { readEndpoints } from './sweep-cli'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const USAGE = `Usage: npm run reconcile -- [options]
  --dry-run            say what each activity would do; change nothing (no ledger write, event or checkpoint)
  --from ISO --to ISO  the range of report time to read (default: the checkpoint minus RECONCILE_LAG_MS .. now)
  --time-limit S       stop starting windows after S seconds minus RECONCILE_TIME_MARGIN_MS (default 900)
  --endpoints FILE     endpoints file of the local system (default .local/endpoints.json)
  --json               print the summary as JSON instead of a table
  --help`

/** The command line, parsed. */
export interface ReconcileCliArgs {
  dryRun: boolean
  from?: string
  to?: string
  timeLimitMs: number
  endpointsFile: string
  json: boolean
}

const isoOf = (value: string | undefined, flag: string): string | undefined => {
  if (value === undefined) return undefined
  const time = Date.parse(value)
  if (Number.isNaN(time)) throw new Error(`${flag} must be an ISO-8601 date-time`)
  return new Date(time).toISOString()
}

/** Parses the flags; throws with a message for a bad value, returns 'help' for --help. */
export function parseReconcileCliArgs(args: string[], cwd = process.cwd()): ReconcileCliArgs | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      'dry-run': { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      'time-limit': { type: 'string' },
      endpoints: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  })
  if (values.help) return 'help'
  const from = isoOf(values.from, '--from')
  const to = isoOf(values.to, '--to')
  if (from && to && from >= to) throw new Error('--from must be before --to')
  const seconds = values['time-limit'] === undefined ? 900 : Number(values['time-limit'])
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new Error('--time-limit must be a positive number of seconds')
  return {
    dryRun: values['dry-run'] === true,
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    timeLimitMs: Math.round(seconds * 1000),
    endpointsFile: resolve(cwd, values.endpoints ?? '.local/endpoints.json'),
    json: values.json === true,
  }
}

const ROWS: Array<[string, (s: ReconcileSummary) => number]> = [
  ['windows read', (s) => s.windows],
  ['activity rows', (s) => s.rows],
  ['applied (changed elsewhere)', (s) => s.outcomes.applied],
  ['  redeem', (s) => s.applied.redeem],
  ['  void', (s) => s.applied.void],
  ['  expire', (s) => s.applied.expire],
  ['  suspend / unsuspend', (s) => s.applied.suspend + s.applied.unsuspend],
  ['already in the ledger', (s) => s.outcomes.explained],
  ['seen before', (s) => s.outcomes.duplicate],
  ['issued elsewhere (recorded)', (s) => s.outcomes.foreign],
  ['unmatched', (s) => s.outcomes.unmatched],
  ['DRIFT', (s) => s.outcomes.drift],
  ['events published', (s) => s.published],
  ['cut streams re-read', (s) => s.truncations],
]

/** The summary as the table the command prints. */
export function formatReconcileTable(summary: ReconcileSummary): string {
  const width = Math.max(...ROWS.map(([label]) => label.length)) + 2
  return [
    `Reconciliation${summary.dryRun ? ' (dry run: nothing was changed)' : ''}`,
    `  status ${summary.status}, range ${summary.from} .. ${summary.to}, checkpoint ${summary.doneUntil ?? 'none'}`,
    '',
    ...ROWS.map(([label, value]) => `  ${label.padEnd(width)}${String(value(summary)).padStart(8)}`),
  ].join('\n')
}

const stderrLogger: ReconcileLogger = {
  info: () => undefined,
  warn: (message, fields) => process.stderr.write(`! ${message} ${JSON.stringify(fields ?? {})}\n`),
  error: (message, fields) => process.stderr.write(`!! ${message} ${JSON.stringify(fields ?? {})}\n`),
}

const progress = (window: { from: string; to: string }, counts: ReconcileCounts) =>
  process.stderr.write(
    `window ${window.from} .. ${window.to}: ${counts.rows} rows so far, ${counts.outcomes.applied} applied, ${counts.outcomes.drift} drift\n`,
  )

async function main(): Promise<number> {
  const args = parseReconcileCliArgs(process.argv.slice(2))
  if (args === 'help') {
    console.log(USAGE)
    return 0
  }
  const endpoints = readEndpoints(args.endpointsFile)
  if (endpoints?.env) Object.assign(process.env, endpoints.env)
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR'
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true'
  const { runReconcile } = await import('../lib/app/reconciliation')
  const deadline = Date.now() + args.timeLimitMs
  const summary = await runReconcile(
    {
      runId: `cli-${randomUUID()}`,
      now: new Date(),
      dryRun: args.dryRun,
      ...(args.from ? { from: args.from } : {}),
      ...(args.to ? { to: args.to } : {}),
      remainingTimeMs: () => deadline - Date.now(),
    },
    { logger: stderrLogger, onWindow: progress },
  )
  console.log(args.json ? JSON.stringify(summary, null, 2) : formatReconcileTable(summary))
  return summary.status === 'complete' && summary.outcomes.drift === 0 ? 0 : 2
}

if (/reconcile-cli\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`reconcile failed: ${(error as Error)?.message ?? error}`)
      process.exit(1)
    },
  )
}
