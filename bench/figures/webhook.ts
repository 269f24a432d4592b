/** Figures of the redemption webhook (docs/bench.md 5 and 7), measured in one bundled handler worker. */

import {
  BENCH,
  type Bench,
  counters,
  issueOffers,
  log,
  record,
  setLatency,
  startWorker,
} from '../support/bench'
import type { Child } from '../support/ipc'
import { median, percentile, round } from '../support/stats'

/** Figure 5 (webhook): cold reads. Resolves with the worker, which the latency figures reuse warm. */
export async function coldWebhookReads(bench: Bench): Promise<Child> {
  log(`\nWebhook: ${BENCH.coldInvocations} concurrent cold requests`)
  const coldOffers = await issueOffers(bench, BENCH.coldInvocations)
  await setLatency(bench, BENCH.latencyMs)
  await bench.servers.call('resetCounters')
  const webhook = await startWorker(bench, 'webhook')
  const coldWebhook = await webhook.call<{ failures: number; statuses: number[] }>('concurrentCold', {
    offers: coldOffers,
  })
  if (coldWebhook.failures > 0) {
    throw new Error(`${coldWebhook.failures} cold webhook requests failed (${coldWebhook.statuses})`)
  }
  const webhookCounts = await counters(bench)
  const webhookSecretReads = webhookCounts.secretsManager.GetSecretValue ?? 0
  const webhookAuth = webhookCounts.sandbox.auth ?? 0
  const webhookColdNote = `${BENCH.coldInvocations} concurrent first requests (signed, distinct codes) of one fresh redeem-webhook instance, latency ${BENCH.latencyMs} ms; the webhook reads two secrets (Sparkfly and webhook signing keys), so 2 = one read each.`
  record(bench, 5, {
    name: 'Webhook cold: GetSecretValue calls',
    value: webhookSecretReads,
    unit: 'calls',
    target: '2',
    met: webhookSecretReads === 2,
    notes: webhookColdNote,
  })
  record(bench, 5, {
    name: 'Webhook cold: /auth calls',
    value: webhookAuth,
    unit: 'calls',
    target: '1',
    met: webhookAuth === 1,
    notes: webhookColdNote,
  })
  return webhook
}

/** Figure 7: the webhook's added latency over the bare Sparkfly call, at one sandbox latency. */
export async function webhookAddedLatency(bench: Bench, webhook: Child, latency: number): Promise<void> {
  log(`\nWebhook added latency (sandbox latency ${latency} ms)`)
  const count = BENCH.webhookPairs[latency]! + BENCH.webhookWarmupPairs
  const offers = await issueOffers(bench, count * 2)
  const pairs = Array.from({ length: count }, (_, i) => ({
    handler: offers[2 * i]!,
    bare: offers[2 * i + 1]!,
  }))
  await setLatency(bench, latency)
  const run = await webhook.call<{
    handlerMs: number[]
    bareMs: number[]
    awsMs: number[]
    awsCalls: number[]
    cpuMs: number[]
  }>('latency', { pairs })
  const keep = <T>(values: T[]) => values.slice(BENCH.webhookWarmupPairs)
  const handlerMs = keep(run.handlerMs)
  const bareMs = keep(run.bareMs)
  const awsMs = keep(run.awsMs)
  const added = handlerMs.map((ms, i) => ms - bareMs[i]!)
  const inProcess = added.map((ms, i) => ms - awsMs[i]!)
  const calls = [...new Set(keep(run.awsCalls))].join('/')
  const cpuMs = keep(run.cpuMs)
  const note =
    `${added.length} pairs (after ${BENCH.webhookWarmupPairs} warm-up pairs), each one redemption through ` +
    `the handler (signed API Gateway v2 event, invoked directly) and one bare client.offerStates.redeem, on ` +
    `fresh offer states; added = handler − bare, per pair. Handler p50 ${round(median(handlerMs), 2)} ms, ` +
    `bare p50 ${round(median(bareMs), 2)} ms. The handler makes ${calls} AWS calls per request (idempotency ` +
    `put + update, ledger byCode query + update, SQS send of offer.redeemed): waiting on local DynamoDB/SQS ` +
    `p50 ${round(median(awsMs), 2)} ms; added minus that wait (in-process work: middy chain, signature, ` +
    `validation, SDK, and any wait for a core) p50 ${round(median(inProcess), 2)} ms, p99 ` +
    `${round(percentile(inProcess, 99), 2)} ms; CPU of the handler process per request p50 ` +
    `${round(median(cpuMs), 2)} ms.`
  const p50 = median(added)
  record(bench, 7, {
    name: `Webhook added latency p50 (L = ${latency} ms)`,
    value: round(p50, 2),
    unit: 'ms',
    target: '≤ 3',
    met: p50 <= 3,
    notes: note,
  })
  record(bench, 7, {
    name: `Webhook added latency p99 (L = ${latency} ms)`,
    value: round(percentile(added, 99), 2),
    unit: 'ms',
    target: null,
    met: null,
    notes: note,
  })
  record(bench, 7, {
    name: `Webhook added minus AWS waits p50 (L = ${latency} ms)`,
    value: round(median(inProcess), 2),
    unit: 'ms',
    target: null,
    met: null,
    notes: note,
  })
}
