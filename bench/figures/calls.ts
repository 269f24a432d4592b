/**
 * Figure 1: AWS calls per issued offer and per redemption, counted at the local servers (the counting proxies of
 * local/aws/callCounter.ts), never assumed. Deterministic: CI runs it on every submission.
 */
import type { CallSummary, CountedCall } from '../../local/aws/callCounter'
import {
  BENCH,
  type Bench,
  issueOffers,
  LIMITS,
  log,
  record,
  setLatency,
  startWorker,
} from '../support/bench'
import type { Child } from '../support/ipc'
import type { IssuedForBench } from '../support/servers'

type Counted = { calls: CountedCall[]; summary: CallSummary }

/** The AWS calls `run` makes, counted at the proxies. */
async function counted(bench: Bench, run: () => Promise<unknown>): Promise<Counted> {
  await bench.servers.call('resetCalls')
  await run()
  return bench.servers.call<Counted>('calls')
}

const actions = (summary: CallSummary) =>
  Object.entries(summary.byAction)
    .map(([action, count]) => `${action} ${count}`)
    .join(', ')

/** Records the sequential and total calls of one measured unit against their regression limits. */
function recordCalls(bench: Bench, subject: string, perUnit: CallSummary, note: string) {
  const limits = LIMITS.awsCalls[subject]
  if (!limits) throw new Error(`bench/limits.json has no awsCalls limit for "${subject}"`)
  record(bench, 1, {
    name: `${subject}: sequential AWS calls`,
    value: perUnit.sequential,
    unit: 'calls',
    target: `≤ ${limits.sequential}`,
    met: perUnit.sequential <= limits.sequential,
    notes: note,
  })
  record(bench, 1, {
    name: `${subject}: AWS calls`,
    value: perUnit.total,
    unit: 'calls',
    target: `≤ ${limits.total}`,
    met: perUnit.total <= limits.total,
    notes: note,
  })
}

/** Issuance: one warm invocation with one event (its critical path), and a batch of 10 (calls shared per offer). */
async function issuanceCalls(bench: Bench, worker: Child): Promise<{ one: CallSummary; ten: CallSummary }> {
  await worker.call('invoke', { handler: 'optimized', n: 1, repeats: 1 }) // cold: secret, /auth, connections
  const one = await counted(bench, () => worker.call('invoke', { handler: 'optimized', n: 1, repeats: 1 }))
  const ten = await counted(bench, () => worker.call('invoke', { handler: 'optimized', n: 10, repeats: 1 }))
  recordCalls(
    bench,
    'Issuance, per issued offer',
    one.summary,
    `a warm issuance invocation with one new loyalty.member.birthday event (one rule, one offer), counted at ` +
      `proxies that hold each AWS call ${BENCH.countedCallDelayMs} ms (calls issued together overlap there): ` +
      `${actions(one.summary)}. A batch of 10 makes ${ten.summary.total} calls (${actions(ten.summary)}), ` +
      `${ten.summary.sequential} in sequence.`,
  )
  return { one: one.summary, ten: ten.summary }
}

/** Redemption: one warm webhook request (signed, a fresh code). */
async function redemptionCalls(bench: Bench, worker: Child, offers: IssuedForBench[]): Promise<CallSummary> {
  await worker.call('redeemOne', { offer: offers[0] }) // cold: secrets, /auth, connections
  const one = await counted(bench, () => worker.call('redeemOne', { offer: offers[1] }))
  recordCalls(
    bench,
    'Redemption, per request',
    one.summary,
    `a warm redeem-webhook request (signed, a fresh code), counted the same way: ${actions(one.summary)}.`,
  )
  return one.summary
}

/** The counts figure 1 measured, for the figures and the cost model that build on them. */
export interface CountedCalls {
  issuance: CallSummary
  /** A batch of 10 events: the calls shared between offers (SendMessageBatch) are counted once. */
  issuanceBatch10: CallSummary
  redemption: CallSummary
}

/** Figure 1, both paths; resolves the counts. */
export async function awsCallCounts(bench: Bench): Promise<CountedCalls> {
  log(`\nAWS calls, counted at the local servers (Sparkfly latency 0)`)
  const offers = await issueOffers(bench, 2)
  await setLatency(bench, 0)
  const issuanceWorker = await startWorker(bench, 'issuance', { env: bench.countedEnv })
  const webhookWorker = await startWorker(bench, 'webhook', { env: bench.countedEnv })
  const issuance = await issuanceCalls(bench, issuanceWorker)
  const redemption = await redemptionCalls(bench, webhookWorker, offers)
  await Promise.all([issuanceWorker.stop(), webhookWorker.stop()])
  return { issuance: issuance.one, issuanceBatch10: issuance.ten, redemption }
}
