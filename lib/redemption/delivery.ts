import type { EarlierIntent } from '../ledger/intents'
import type { LedgerEntry } from '../ledger/types'
import { type Decision, decideRedemption } from './redeemByCode'
import type { RedemptionRequest } from './request'
import {
  type DeliveryResult,
  type EarlierAttempt,
  type RedemptionDeps,
  type RedemptionOutcome,
  RedemptionStatus,
} from './types'

/** One POS delivery: its `webhook-id` and the fingerprint of its exact body. */
export interface DeliveryRef {
  webhookId: string
  fingerprint: string
}

/** How long a delivery is held when the caller gives no lease (a Lambda's longest run). */
const DEFAULT_LEASE_MS = 30_000

type Intents = NonNullable<RedemptionDeps['intents']>

const earlierAttempt = (earlier: EarlierIntent | undefined): EarlierAttempt =>
  !earlier ? 'none' : earlier.outcome === 'refused' ? 'refused' : 'unknown'

/**
 * Redeems for one POS delivery, exactly once per `webhook-id` and never answering a till "already redeemed" for its
 * own redemption. A small state machine per delivery, each step a recovery point:
 * 1. side by side: claim the delivery (its idempotency record), note the transaction's intent (code +
 *    `transactionId`) and read the ledger by code: one round of writes before Sparkfly is called;
 * 2. a delivery answered before gets its stored answer; one still running, `in_progress`; the same id with another
 *    body, `key_reused`;
 * 3. decide ({@link decideRedemption}): when an earlier delivery of the same transaction left no outcome (its answer
 *    was lost), the offer is looked up at Sparkfly first and its redemption is this transaction's;
 * 4. side by side: record the outcome (ledger, `offer.redeemed`), store the delivery's answer and, for a refusal,
 *    settle the intent as refused: the second and last round.
 * A failure before an answer releases the delivery (a retry runs again) and leaves the intent's outcome unknown.
 *
 * @example
 * const result = await redeemDelivery({ webhookId, fingerprint }, request, deps)
 */
export async function redeemDelivery(
  delivery: DeliveryRef,
  request: RedemptionRequest,
  deps: RedemptionDeps,
): Promise<DeliveryResult> {
  const intents = deps.intents
  if (!intents) throw new Error('redeemDelivery needs the delivery and intent records (deps.intents)')
  const [claim, noted, found] = await Promise.allSettled([
    intents.claimDelivery(delivery.webhookId, delivery.fingerprint, {
      leaseMs: deps.leaseMs?.() ?? DEFAULT_LEASE_MS,
    }),
    intents.noteIntent(request.code, request.transactionId, delivery.webhookId),
    deps.ledger.findByCode(request.code),
  ])
  if (claim.status === 'rejected') throw claim.reason
  const lease = claim.value.status === 'acquired' ? claim.value.lease : undefined
  if (noted.status === 'rejected' || found.status === 'rejected') {
    if (lease) await intents.releaseDelivery(lease).catch(() => undefined)
    throw noted.status === 'rejected' ? noted.reason : (found as PromiseRejectedResult).reason
  }
  if (claim.value.status !== 'acquired' || !lease) {
    // Undo the note of a delivery that will not run; one still running (busy) keeps the intent it relies on.
    if (claim.value.status !== 'busy') {
      await intents.restoreIntent(request.code, request.transactionId, noted.value).catch(() => undefined)
    }
    if (claim.value.status === 'answered') {
      return { status: 'answered', outcome: claim.value.answer, stored: true }
    }
    return { status: claim.value.status === 'busy' ? 'in_progress' : 'key_reused' }
  }
  const earlier = earlierAttempt(noted.value)
  const decision = await decide(request, deps, found.value, earlier, () => intents.releaseDelivery(lease))
  await settle(intents, decision, request, deps, () => intents.completeDelivery(lease, decision.outcome))
  return { status: 'answered', outcome: decision.outcome, stored: false }
}

async function decide(
  request: RedemptionRequest,
  deps: RedemptionDeps,
  entry: LedgerEntry | undefined,
  earlier: EarlierAttempt,
  release: () => Promise<void>,
): Promise<Decision> {
  try {
    return await decideRedemption(request, deps, { prefetched: { entry }, earlier })
  } catch (error) {
    await release().catch(() => undefined)
    throw error
  }
}

/** The last round: the outcome's writes, the delivery's answer and a refusal's intent, side by side. */
async function settle(
  intents: Intents,
  decision: Decision,
  request: RedemptionRequest,
  deps: RedemptionDeps,
  complete: () => Promise<void>,
): Promise<void> {
  const outcome: RedemptionOutcome = decision.outcome
  const refused = outcome.status !== RedemptionStatus.redeemed
  const offer =
    outcome.status === RedemptionStatus.notFound
      ? undefined
      : { kind: outcome.offer.kind, id: outcome.offer.id }
  const reported = (write: Promise<void>) =>
    write.catch((error: unknown) => {
      // The answer stands; a retry finds the intent and looks the offer up. Operators see it.
      if (offer) deps.onIncident?.({ kind: 'delivery_write_failed', offer, error })
    })
  await Promise.all([
    decision.record?.(),
    reported(complete()),
    refused ? reported(intents.settleIntent(request.code, request.transactionId, 'refused')) : undefined,
  ])
}
