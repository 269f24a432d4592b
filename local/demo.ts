// `npm run demo`: plays a day in the life of the offer lifecycle against the local system and prints what happened.
// Attaches to a running `npm start` (.local/endpoints.json); without one (or with --embedded), starts an embedded
// system for the run.
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SNSClient } from '@aws-sdk/client-sns'
import { SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { Ledger } from '../lib/ledger/Ledger'
import type { LedgerEntry } from '../lib/ledger/types'
import { signWebhook } from '../lib/webhooks'
import { LOCAL_CREDENTIALS } from './aws/definitions'
import { drainQueue, sendMessages } from './aws/queues'
import { addQueueSubscriber } from './aws/topics'
import { createLambdaContext } from './runtime'
import { type LocalSystem, startLocalSystem } from './system'

interface Endpoints {
  sandbox: { url: string; admin: string; fixtures: { members: Array<{ id: number; identifier: string }> } }
  httpApi: { url: string }
  staffAuth: { token: string }
  webhook: { url: string; secret: string }
  aws: {
    endpoints: { dynamodb: string; sqs: string; sns: string }
    region: string
    queues: Record<string, string>
    topics: Record<string, string>
    tables: { ledger: string }
  }
  env: Record<string, string>
}

const out = (line = '') => console.log(line)
const step = (title: string) => out(`\n== ${title}`)
const DAY_MS = 86_400_000

async function attachOrStart(): Promise<{ endpoints: Endpoints; embedded?: LocalSystem }> {
  const file = resolve('.local/endpoints.json')
  if (!process.argv.includes('--embedded') && existsSync(file)) {
    const endpoints = JSON.parse(readFileSync(file, 'utf8')) as Endpoints
    const alive = await fetch(`${endpoints.sandbox.admin}/clock`).then(
      (r) => r.ok,
      () => false,
    )
    if (alive) {
      Object.assign(process.env, endpoints.env)
      out(`Attached to the running local system (${file}).`)
      return { endpoints }
    }
  }
  out(
    'No running local system found: starting an embedded one for this demo (npm start runs one you can keep).',
  )
  const embedded = await startLocalSystem({
    importModule: (path) => import(path),
    endpointsFile: null,
    disableSchedules: true,
    visibilityTimeoutSeconds: 5,
    // The story is told below; the handlers' JSON logs would drown it (POWERTOOLS_LOG_LEVEL=INFO shows them).
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR' },
  })
  return { endpoints: embedded.endpoints as unknown as Endpoints, embedded }
}

async function post(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })
  const text = await response.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text)
  } catch {
    json = { text }
  }
  return { status: response.status, json }
}

function signedHeaders(secret: string, body: string, id = `msg_${randomUUID()}`) {
  const timestamp = Math.floor(Date.now() / 1000)
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook({ secret, id, timestamp, body }),
  }
}

const describeAnswer = (answer: { status: number; json: Record<string, unknown> }) =>
  answer.status < 300
    ? `${answer.status} ${answer.json.status ?? 'ok'}`
    : [`${answer.status} ${answer.json.title ?? answer.json.message ?? ''}`, answer.json.detail]
        .filter(Boolean)
        .join(': ')

type PublishedEvent = { type: string; data: { offer: { id: string; code?: string }; reason?: string } }

/** What the demo's steps share: where the system runs, the ledger, and the offer events seen so far. */
interface Demo {
  readonly endpoints: Endpoints
  readonly ledger: Ledger
  readonly queues: Record<string, string>
  readonly published: PublishedEvent[]
  /** Ledger entries of the offers this demo issued, by key. */
  readonly entries: Map<string, LedgerEntry>
  /** A second consumer's queue, subscribed to the offer-events topic with a filter on `offer.redeemed`. */
  readonly redeemedSubscriber: string
}

/** What a CRM would do: its own queue on the offer-events topic, filtered to the type it cares about. */
async function subscribeRedeemedOnly(endpoints: Endpoints): Promise<string> {
  const { region } = endpoints.aws
  const clients = {
    sqs: new SQSClient({ region, endpoint: endpoints.aws.endpoints.sqs, credentials: LOCAL_CREDENTIALS }),
    sns: new SNSClient({ region, endpoint: endpoints.aws.endpoints.sns, credentials: LOCAL_CREDENTIALS }),
  }
  try {
    const filter = { 'ce-type': ['offer.redeemed'] }
    const topic = endpoints.aws.topics.offerEvents!
    const { url } = await addQueueSubscriber(clients, topic, 'demo-crm-offer-redeemed', filter)
    return url
  } finally {
    clients.sqs.destroy()
    clients.sns.destroy()
  }
}

/** Moves up to `count` offer events (waiting up to `waitMs`) from the queue into `demo.published`. */
async function collectEvents(demo: Demo, count: number, waitMs: number): Promise<number> {
  const messages = await drainQueue(demo.queues.offerEvents!, { count, waitMs })
  demo.published.push(...messages.map((m) => JSON.parse(m.body)))
  return messages.length
}

/** The loyalty events of step 1: two envelopes of a tier upgrade, a birthday, an unknown member, an unruled type. */
function loyaltyEvents(members: Endpoints['sandbox']['fixtures']['members']) {
  const now = new Date().toISOString()
  return {
    upgraded: {
      specversion: '1.0',
      id: `evt-${randomUUID()}`,
      source: 'urn:loyalty',
      type: 'loyalty.tier.upgraded',
      time: now,
      data: { member: { id: members[0]!.id }, tier: 'gold' },
    },
    upgradedByIdentifier: {
      version: '0',
      id: randomUUID(),
      source: 'loyalty.platform',
      'detail-type': 'loyalty.tier.upgraded',
      time: now,
      detail: { member: { identifier: members[1]!.identifier } },
    },
    birthday: {
      specversion: '1.0',
      id: `evt-${randomUUID()}`,
      source: 'urn:loyalty',
      type: 'loyalty.member.birthday',
      time: now,
      data: { member: { id: members[2]!.id } },
    },
    unknownMember: {
      specversion: '1.0',
      id: `evt-${randomUUID()}`,
      source: 'urn:loyalty',
      type: 'loyalty.tier.upgraded',
      data: { member: { id: 999999999 } },
    },
    pointsEarned: {
      specversion: '1.0',
      id: `evt-${randomUUID()}`,
      source: 'urn:loyalty',
      type: 'loyalty.points.earned',
      data: { member: { id: members[0]!.id } },
    },
  }
}

/** Step 1: sends the events and resolves with the offers issued for the tier upgrades and the birthday. */
async function sendLoyaltyEvents(demo: Demo) {
  step('1. The loyalty system sends events (SQS: loyalty-events)')
  const events = loyaltyEvents(demo.endpoints.sandbox.fixtures.members)
  await sendMessages(demo.queues.loyaltyEvents!, [
    ...Object.values(events),
    events.upgraded, // SQS delivers at least once: the same event again
    '{"specversion": "1.0", "id": ', // a broken message
  ])
  out(
    '  sent 7 messages: 2 tier upgrades (CloudEvents and EventBridge envelopes), 1 birthday, 1 unknown member,',
  )
  out('  1 event type without a rule, 1 duplicate delivery, 1 malformed body')
  const issued = await collectEvents(demo, 5, 15_000)
  out(
    `  -> ${issued} offer.issued events (2 rules for a tier upgrade, 1 for a birthday; the duplicate issued nothing)`,
  )

  for (const e of demo.published.filter((event) => event.type === 'offer.issued')) {
    const entry = await demo.ledger.findByCode(String(e.data.offer.code))
    if (entry) demo.entries.set(entry.pk, entry)
  }
  const byRule = (sourceEvent: string, rule: string) =>
    [...demo.entries.values()].find((e) => e.sourceId === sourceEvent && e.ruleId === rule)
  return {
    reward: byRule(events.upgraded.id, 'tier-upgrade-reward'),
    coffee: byRule(events.upgradedByIdentifier.id, 'tier-upgrade-free-coffee'),
    treat: byRule(events.birthday.id, 'birthday-treat'),
  }
}

/** Step 2: redemptions at the till, a retried delivery, a second scan and an unsigned request. */
async function redeemAtTill(demo: Demo, reward: LedgerEntry | undefined, coffee: LedgerEntry | undefined) {
  step('2. The POS redeems codes at the till (signed webhook: POST /pos/redemptions)')
  const { webhook } = demo.endpoints
  const redeem = async (code: string | undefined, label: string, id?: string) => {
    const body = JSON.stringify({
      code,
      transactionId: `txn-${randomUUID().slice(0, 8)}`,
      storeId: 'store-042',
    })
    const headers = signedHeaders(webhook.secret, body, id)
    const answer = await post(webhook.url, body, headers)
    out(`  ${label.padEnd(44)} ${describeAnswer(answer)}`)
    return { body, headers, answer }
  }
  const first = await redeem(reward?.code, `redeem ${reward?.code} (tier reward)`)
  const replay = await post(webhook.url, first.body, first.headers)
  out(
    `  ${'same delivery retried by the terminal'.padEnd(44)} ${describeAnswer(replay)} (the first answer, replayed)`,
  )
  await redeem(coffee?.code, `redeem ${coffee?.code} (free coffee)`)
  await redeem(reward?.code, `scan ${reward?.code} again (new delivery)`)
  const unsigned = await post(webhook.url, first.body, {})
  out(`  ${'unsigned request'.padEnd(44)} ${describeAnswer(unsigned)}`)
}

/** Step 3: a staff void with a token, and the same without one. */
async function voidByStaff(demo: Demo, treat: LedgerEntry | undefined) {
  step('3. Customer service voids an offer (staff API, JWT)')
  const { httpApi, staffAuth } = demo.endpoints
  const voidBody = JSON.stringify({ reason: 'customer asked to cancel' })
  const voided = await post(`${httpApi.url}/staff/codes/${treat?.code}/void`, voidBody, {
    authorization: `Bearer ${staffAuth.token}`,
  })
  out(`  ${`void ${treat?.code} (birthday treat)`.padEnd(44)} ${describeAnswer(voided)}`)
  const anonymous = await post(`${httpApi.url}/staff/codes/${treat?.code}/void`, voidBody, {})
  out(`  ${'the same without a token'.padEnd(44)} ${describeAnswer(anonymous)}`)
  await collectEvents(demo, 3, 3_000)
}

/** Step 4: the sandbox clock moves eight days, then the expiry sweep runs dry, then for real. */
async function expireAfterEightDays(demo: Demo) {
  step('4. Eight days pass (sandbox clock), then the expiry sweep runs')
  const clock = await post(
    `${demo.endpoints.sandbox.admin}/clock/advance`,
    JSON.stringify({ ms: 8 * DAY_MS }),
    {},
  )
  const sandboxNow = String(clock.json.now)
  out(`  sandbox clock: ${sandboxNow}`)
  const { handler: sweep } = await import('../functions/expiry-sweep')
  const context = () => createLambdaContext({ functionName: 'expirySweep', timeoutMs: 300_000 })
  const dryRun = await sweep({ dryRun: true, now: sandboxNow }, context())
  out(`  dry run: found ${dryRun.found}, would void ${dryRun.voided} (nothing changed)`)
  const run = await sweep({ now: sandboxNow }, context())
  out(
    `  sweep:   found ${run.found}, voided ${run.voided}, already redeemed ${run.alreadyRedeemed}, failed ${run.failed}, remaining ${run.remaining}`,
  )
  await collectEvents(demo, 10, 3_000)
}

/** Step 5: a code is redeemed at a partner's till wired to Sparkfly directly; reconciliation catches up. */
async function reconcileAfterPartnerTill(demo: Demo) {
  step("5. A coupon is redeemed at a partner's till (straight at Sparkfly); reconciliation catches up")
  let target: LedgerEntry | undefined
  for (const entry of demo.entries.values()) {
    if ((await demo.ledger.get(entry.kind, entry.id))?.status === 'issued') target = entry
  }
  if (!target) return out('  (no offer left to redeem)')
  const admin = demo.endpoints.sandbox.admin
  const started = Date.now()
  await post(`${admin}/elsewhere/redeem`, JSON.stringify({ code: target.code }), {})
  out(
    `  partner till redeems ${target.code}: the ledger still says ${(await demo.ledger.get(target.kind, target.id))?.status}`,
  )
  const clock = (await (await fetch(`${admin}/clock`)).json()) as { now: string }
  const sandboxNow = Date.parse(clock.now)
  const { handler: reconcile } = await import('../functions/reconcile')
  const summary = await reconcile(
    { from: new Date(sandboxNow - 3_600_000).toISOString(), to: new Date(sandboxNow + 60_000).toISOString() },
    createLambdaContext({ functionName: 'reconcile', timeoutMs: 300_000 }),
  )
  out(
    `  reconcile: ${summary.rows} activity rows, ${summary.outcomes.applied} applied, ${summary.outcomes.explained} already in the ledger, drift ${summary.outcomes.drift}`,
  )
  await collectEvents(demo, 1, 3_000)
  const event = demo.published.at(-1) as PublishedEvent & { data: { changedBy?: string } }
  const now = await demo.ledger.get(target.kind, target.id)
  out(
    `  ledger: ${now?.status} (changedBy ${now?.changedBy}); event ${event?.type} changedBy ${event?.data.changedBy}`,
  )
  out(`  from the till to the event: ${Date.now() - started} ms here (in AWS: at most lag + schedule)`)
}

/** Last step: each offer's history, the offer events published and the dead letters. */
async function summary(demo: Demo) {
  step('Summary: every offer issued in this demo')
  out(`  ${'code'.padEnd(12)} ${'member'.padEnd(14)} ${'campaign'.padEnd(22)} history`)
  for (const entry of demo.entries.values()) {
    const current = await demo.ledger.get(entry.kind, entry.id)
    const history = ['issued', current?.status !== 'issued' ? current?.status : undefined]
      .filter(Boolean)
      .join(' -> ')
    const why = current?.voidReason ? ` (${current.voidReason})` : ''
    out(
      `  ${String(entry.code).padEnd(12)} ${String(entry.memberId ?? entry.memberIdentifier).padEnd(14)} ${String(entry.campaignId).padEnd(22)} ${history}${why}`,
    )
  }
  const counts = demo.published.reduce<Record<string, number>>((acc, e) => {
    acc[e.type] = (acc[e.type] ?? 0) + 1
    return acc
  }, {})
  out(
    `\n  offer events published: ${Object.entries(counts)
      .map(([t, n]) => `${t} x${n}`)
      .join(', ')}`,
  )
  const crm = await drainQueue(demo.redeemedSubscriber, { waitMs: 500 })
  const crmTypes = [...new Set(crm.map((m) => (JSON.parse(m.body) as PublishedEvent).type))]
  out(
    `  second subscriber (filter ce-type = offer.redeemed): ${crm.length} event(s), types: ${crmTypes.join(', ') || 'none'}`,
  )
  const parked = await drainQueue(demo.queues.loyaltyEventsDlq!, { waitMs: 1_000 })
  out(`  loyalty-events dead-letter queue: ${parked.length} message(s)`)
  for (const m of parked) out(`    - ${m.attributes['failure-reason']}: ${m.attributes['failure-detail']}`)
}

async function main() {
  const { endpoints, embedded } = await attachOrStart()
  const demo: Demo = {
    endpoints,
    ledger: new Ledger({
      tableName: endpoints.aws.tables.ledger,
      client: DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint: endpoints.aws.endpoints.dynamodb, region: endpoints.aws.region }),
      ),
    }),
    queues: endpoints.aws.queues,
    published: [],
    entries: new Map(),
    redeemedSubscriber: await subscribeRedeemedOnly(endpoints),
  }
  out(`Offer events fan out through the topic ${endpoints.aws.topics.offerEvents}:`)
  out('  the offer-events queue gets every event; a second subscriber asked for offer.redeemed only')
  // start from a clean outbox
  await Promise.all([
    drainQueue(demo.queues.offerEvents!, { waitMs: 200 }),
    drainQueue(demo.redeemedSubscriber, { waitMs: 200 }),
  ])

  try {
    const { reward, coffee, treat } = await sendLoyaltyEvents(demo)
    await redeemAtTill(demo, reward, coffee)
    await voidByStaff(demo, treat)
    await expireAfterEightDays(demo)
    await reconcileAfterPartnerTill(demo)
    await summary(demo)
  } finally {
    await embedded?.stop()
  }
}

main().catch((error) => {
  console.error('demo failed:', error)
  process.exit(1)
})
