/**
 * `npm run sandbox`: the Sparkfly sandbox as a standalone server.
 *
 *   npx tsx local/sandbox-cli.ts [--port 4010] [--host 127.0.0.1] [--token-ttl 86400] [--latency-ms 0]
 *     [--latency-min-ms N --latency-max-ms N] [--rate-limit N] [--faults '<FaultSpec JSON>'] [--seed N]
 *     [--campaign XID ...] [--now ISO] [--freeze-clock] [--no-fixtures] [--identity ID] [--key sbx_key_...] [--quiet]
 *
 * Prints the base URL, the account's identity and key, and the fixtures; stops on SIGINT / SIGTERM.
 */
import { parseArgs } from 'node:util'
import { type FaultSpec, type LatencySpec, type SandboxOptions, startSandbox } from './sandbox'

export const DEFAULT_CLI_PORT = 4010

const USAGE = `Usage: npx tsx local/sandbox-cli.ts [options]
  --port N            port to bind (default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --host H            address to bind (default 127.0.0.1)
  --token-ttl S       /auth token lifetime in seconds on the sandbox clock (default 86400)
  --latency-ms N      fixed delay before every API answer
  --latency-min-ms N, --latency-max-ms N   random delay between the two instead
  --rate-limit N      API requests per second; beyond that 429 + Retry-After
  --campaign XID      also seed an active campaign with this XID (repeatable; e.g. the XIDs of a rules file)
  --faults JSON       a FaultSpec, e.g. '{"rates":{"503":0.1},"retryAfterSeconds":2}'
  --seed N            seed for random faults and latency (same seed, same run)
  --now ISO           start the sandbox clock at this time
  --freeze-clock      the clock moves only through the admin routes
  --no-fixtures       start empty (no members, campaigns, channel or store)
  --identity ID, --key KEY   use this account instead of a random one
  --quiet             do not print a line per request
  --help`

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`)
  return n
}

/** Turns command-line flags into SandboxOptions. Throws on a bad value. */
export function optionsFromArgs(args: string[]): SandboxOptions | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'token-ttl': { type: 'string' },
      'latency-ms': { type: 'string' },
      'latency-min-ms': { type: 'string' },
      'latency-max-ms': { type: 'string' },
      'rate-limit': { type: 'string' },
      faults: { type: 'string' },
      campaign: { type: 'string', multiple: true },
      seed: { type: 'string' },
      now: { type: 'string' },
      'freeze-clock': { type: 'boolean' },
      'no-fixtures': { type: 'boolean' },
      identity: { type: 'string' },
      key: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  })
  if (values.help) return 'help'

  const latency: LatencySpec = {}
  const fixedMs = integer('latency-ms', values['latency-ms'])
  const minMs = integer('latency-min-ms', values['latency-min-ms'])
  const maxMs = integer('latency-max-ms', values['latency-max-ms'])
  if (fixedMs !== undefined) latency.fixedMs = fixedMs
  if (minMs !== undefined) latency.minMs = minMs
  if (maxMs !== undefined) latency.maxMs = maxMs

  let faults: FaultSpec = {}
  if (values.faults !== undefined) {
    try {
      faults = JSON.parse(values.faults) as FaultSpec
    } catch {
      throw new Error('--faults must be JSON, e.g. \'{"rates":{"500":0.05}}\'')
    }
  }
  const seed = integer('seed', values.seed)
  if (seed !== undefined) faults.seed = seed

  const account =
    values.identity !== undefined || values.key !== undefined
      ? { identity: values.identity, key: values.key }
      : undefined
  const ttl = integer('token-ttl', values['token-ttl'])
  return {
    port: integer('port', values.port) ?? DEFAULT_CLI_PORT,
    host: values.host ?? '127.0.0.1',
    tokenTtlSeconds: ttl,
    latency,
    faults,
    rateLimitPerSecond: integer('rate-limit', values['rate-limit']),
    now: values.now,
    freezeClock: values['freeze-clock'] ?? false,
    seed: !values['no-fixtures'],
    campaigns: (values.campaign ?? []).map((xid) => ({ xid })),
    quiet: values.quiet ?? false,
    account,
  }
}

async function main(): Promise<void> {
  let options: SandboxOptions | 'help'
  try {
    options = optionsFromArgs(process.argv.slice(2))
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    console.error(USAGE)
    process.exitCode = 2
    return
  }
  if (options === 'help') {
    console.log(USAGE)
    return
  }

  const sandbox = await startSandbox(options)
  const { fixtures } = sandbox
  // The account key is printed on purpose: this is a local sandbox and the key exists only in this process.
  console.log(
    [
      `Sparkfly sandbox listening: ${sandbox.url}`,
      `  SPARKFLY_BASE_URL=${sandbox.url}`,
      `  X-Auth-Identity: ${sandbox.account.identity}`,
      `  X-Auth-Key:      ${sandbox.account.key}`,
      `  admin:           ${sandbox.origin}/_sandbox`,
      `  members:         ${fixtures.members.map((m) => `${m.id} (${m.identifier})`).join(', ') || 'none'}`,
      `  campaigns:       active ${fixtures.campaigns.active.xid || '-'} (offer ${fixtures.campaigns.active.offerId}), suspended ${fixtures.campaigns.suspended.xid || '-'} (offer ${fixtures.campaigns.suspended.offerId})`,
      `  channel:         ${fixtures.channelId}   store: ${fixtures.storeId}`,
    ].join('\n'),
  )

  let stopping = false
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    console.log(`Sparkfly sandbox stopping (${signal})`)
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Sparkfly sandbox did not stop cleanly:', error)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', shutdown)
  process.once('SIGTERM', shutdown)
}

// Run only when executed (tsx local/sandbox-cli.ts), not when a test imports optionsFromArgs.
if (/sandbox-cli\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main().catch((error: unknown) => {
    console.error('Sparkfly sandbox failed to start:', error)
    process.exit(1)
  })
}
