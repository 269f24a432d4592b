/** Figures of the redemption webhook (docs/performance.md 6 and 7), measured in one bundled handler worker. */

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
import type { BundleVariant } from '../support/bundle'
import type { Child } from '../support/ipc'
import { median, percentile, round } from '../support/stats'

/** Figure 7 (webhook): cold reads. Resolves with the worker, which the latency figures reuse warm. */
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
  record(bench, 7, {
    name: 'Webhook cold: GetSecretValue calls',
    value: webhookSecretReads,
    unit: 'calls',
    target: '2',
    met: webhookSecretReads === 2,
    notes: webhookColdNote,
  })
  record(bench, 7, {
    name: 'Webhook cold: /auth calls',
    value: webhookAuth,
    unit: 'calls',
    target: '1',
    met: webhookAuth === 1,
    notes: webhookColdNote,
  })
  return webhook
}

/** Figure 6: the webhook's added latency over the bare Sparkfly call at a fixed Sparkfly latency, and its CPU. */
export async function webhookAddedLatency(
  bench: Bench,
  webhook: Child,
  variant: BundleVariant,
): Promise<void> {
  const latency = BENCH.latencyMs
  log(`\nWebhook added latency and CPU (${variant}, sandbox latency ${latency} ms)`)
  const count = BENCH.webhookPairs + BENCH.webhookWarmupPairs
  const offers = await issueOffers(bench, count * 2)
  const pairs = Array.from({ length: count }, (_, i) => ({
    handler: offers[2 * i]!,
    bare: offers[2 * i + 1]!,
  }))
  await setLatency(bench, latency)
  const run = await webhook.call<{ handlerMs: number[]; bareMs: number[]; awsMs: number[]; cpuMs: number[] }>(
    'latency',
    { pairs },
  )
  const keep = (values: number[]) => values.slice(BENCH.webhookWarmupPairs)
  const bareMs = keep(run.bareMs)
  const added = keep(run.handlerMs).map((ms, i) => ms - bareMs[i]!)
  const awsMs = keep(run.awsMs)
  const cpuMs = keep(run.cpuMs)
  const current = variant === 'current'
  const note =
    `${variant}: ${added.length} pairs (after ${BENCH.webhookWarmupPairs} warm-up pairs), each one redemption ` +
    `through the handler (signed API Gateway v2 event, invoked directly) and one bare offerStates.redeem through ` +
    `the project's client, on fresh offer states, Sparkfly latency ${latency} ms; added = handler − bare per pair. ` +
    `Bare p50 ${round(median(bareMs), 2)} ms; waiting on local DynamoDB/SQS p50 ${round(median(awsMs), 2)} ms; ` +
    `CPU of the handler process per request p50 ${round(median(cpuMs), 2)} ms, p99 ${round(percentile(cpuMs, 99), 2)} ms.`
  const rows: [string, number, string | null, boolean | null][] = [
    ['added latency p50', median(added), null, null],
    ['added latency p99', percentile(added, 99), null, null],
    [
      'CPU per request p50',
      median(cpuMs),
      current ? `≤ ${BENCH.targets.webhookCpuMs}` : null,
      current ? median(cpuMs) <= BENCH.targets.webhookCpuMs : null,
    ],
  ]
  for (const [what, value, target, met] of rows) {
    record(bench, 6, {
      name: `Webhook ${what} (${variant})`,
      value: round(value, 2),
      unit: 'ms',
      target,
      met,
      notes: note,
    })
  }
}
