// Signs a POS redemption request the way POST /pos/redemptions checks it (Standard Webhooks, docs/redemption.md):
// prints the three headers and a ready curl command; with --send, posts it and prints the answer.
//
//   npx tsx scripts/sign-webhook.ts --secret whsec_... --body '{"code":"K7Q2M9XR4T","transactionId":"T-1001"}' \
//     [--id msg_123] [--timestamp 1735689600] [--url http://127.0.0.1:3000/pos/redemptions] [--send]
//
// --url defaults to the local system's webhook (.local/endpoints.json, written by `npm start`). The secret is never
// printed, only the signature it makes.
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { StandardWebhooks, signWebhook } from '../lib/webhooks'

const USAGE =
  'usage: npx tsx scripts/sign-webhook.ts --secret whsec_... --body \'{"code":"...","transactionId":"..."}\' ' +
  '[--id msg_x] [--timestamp <unix seconds>] [--url http://.../pos/redemptions] [--send]'

/** The local system's webhook URL, when `npm start` wrote its endpoints file. */
function localWebhookUrl(): string | undefined {
  const file = resolve('.local/endpoints.json')
  if (!existsSync(file)) return undefined
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { webhook?: { url?: string } }).webhook?.url
  } catch {
    return undefined
  }
}

/** Single-quotes `value` for a POSIX shell. */
const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`

function fail(message: string): never {
  console.error(`sign-webhook: ${message}\n${USAGE}`)
  process.exit(2)
}

const parseCli = () =>
  parseArgs({
    options: {
      secret: { type: 'string' },
      body: { type: 'string' },
      id: { type: 'string' },
      timestamp: { type: 'string' },
      url: { type: 'string' },
      send: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values

async function main(): Promise<void> {
  let args: ReturnType<typeof parseCli>
  try {
    args = parseCli()
  } catch (error) {
    fail((error as Error).message)
  }
  if (args.help) {
    console.log(USAGE)
    return
  }
  if (!args.secret) fail('--secret is required (whsec_<base64>, as in the webhook secret)')
  if (args.body === undefined) fail('--body is required (the exact JSON text to send)')
  const timestamp = args.timestamp ?? String(Math.floor(Date.now() / 1000))
  if (!/^[0-9]{1,12}$/.test(timestamp)) fail('--timestamp must be whole unix seconds')
  const id = args.id ?? `msg_${randomUUID()}`
  const body = args.body

  let signature: string
  try {
    signature = signWebhook({ secret: args.secret, id, timestamp, body })
  } catch (error) {
    fail((error as Error).message)
  }
  const url = args.url ?? localWebhookUrl() ?? 'http://127.0.0.1:3000/pos/redemptions'
  const { headers: names } = StandardWebhooks
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [names.id]: id,
    [names.timestamp]: timestamp,
    [names.signature]: signature,
  }

  console.log(`${names.id}: ${id}`)
  console.log(`${names.timestamp}: ${timestamp}`)
  console.log(`${names.signature}: ${signature}`)
  console.log('')
  console.log(
    [
      `curl -sS -X POST ${shellQuote(url)}`,
      ...Object.entries(headers).map(([name, value]) => `  -H ${shellQuote(`${name}: ${value}`)}`),
      `  --data-raw ${shellQuote(body)}`,
    ].join(' \\\n'),
  )
  if (!args.send) return

  const response = await fetch(url, { method: 'POST', headers, body })
  console.log('')
  console.log(`HTTP ${response.status} ${response.statusText}`)
  for (const name of ['content-type', 'retry-after']) {
    const value = response.headers.get(name)
    if (value) console.log(`${name}: ${value}`)
  }
  const text = await response.text()
  try {
    console.log(JSON.stringify(JSON.parse(text), null, 2))
  } catch {
    console.log(text)
  }
  if (!response.ok) process.exitCode = 1
}

main().catch((error: unknown) => {
  console.error(`sign-webhook: ${(error as Error)?.message ?? String(error)}`)
  process.exit(1)
})
