import type { ClaimResult } from '../ledger/Ledger'
import { type LedgerEntry, LedgerStatus } from '../ledger/types'
import { type Offer, OfferStatus, type VoidOutcome } from '../offers'
import { errorName, provablyNotApplied } from './failures'
import { SWEEP_DEFAULTS, sweepClaimKey } from './options'
import { recordOutcome } from './record'
import type { SweepRun } from './run'
import { SweepOutcome, SweepSkipReason } from './types'

/** One attempt at an offer under its claim. */
interface Attempt {
  entry: LedgerEntry
  key: string
  /** An earlier attempt may have voided it in Sparkfly (and died before the ledger write). */
  ourEarlierAttempt: boolean
  /** Carried into this attempt's release, so the next one still knows an earlier void may be ours. */
  voidMayHaveHappened: boolean
}

/** What a void answer means for the ledger. "Already voided" right after "open" is our own call, replayed. */
const VOID_OUTCOMES: Record<VoidOutcome['outcome'], SweepOutcome> = {
  voided: SweepOutcome.voided,
  already_voided: SweepOutcome.voided,
  already_redeemed: SweepOutcome.alreadyRedeemed,
  not_found: SweepOutcome.notFound,
}

/** What Sparkfly's view of an offer (undefined: unknown to Sparkfly) means for the ledger. */
function outcomeOf(offer: Offer | undefined, ourEarlierAttempt: boolean): SweepOutcome {
  if (!offer) return SweepOutcome.notFound
  if (offer.status === OfferStatus.redeemed) return SweepOutcome.alreadyRedeemed
  // Voided by our own earlier attempt that died before the ledger write: finish its work.
  if (offer.status === OfferStatus.voided)
    return ourEarlierAttempt ? SweepOutcome.voided : SweepOutcome.alreadyVoided
  return SweepOutcome.voided
}

/** Reads the offer at Sparkfly (a GET: safe to repeat). */
const look = (run: SweepRun, entry: LedgerEntry) => run.call((options) => run.deps.offers.get(entry, options))

/**
 * Handles one due offer of the index page: skips it once the run must stop or when it is not due after all, waits
 * out a 429 back-off, then plans it (dry run) or sweeps it, and reports progress.
 */
export async function handleOffer(run: SweepRun, entry: LedgerEntry, cutoff: string): Promise<void> {
  if (run.shouldStop()) return
  // The index compares strings; an offset or odd format must never make an offer due early.
  if (entry.sweepAt && Date.parse(entry.sweepAt) > Date.parse(cutoff)) return
  await run.rateGate()
  if (run.shouldStop()) return
  run.found()
  if (run.dryRun) await planOffer(run, entry)
  else await sweepOffer(run, entry)
  run.progress()
}

/** Dry run: looks the offer up and lists what a real run would do. */
async function planOffer(run: SweepRun, entry: LedgerEntry): Promise<void> {
  try {
    const outcome = outcomeOf(await look(run, entry), false)
    run.count(outcome)
    run.listAction(entry, outcome)
  } catch (error) {
    run.fail(entry, error)
  }
}

/** Real run: claims the offer, settles it with Sparkfly and the ledger, releases the claim when that fails. */
async function sweepOffer(run: SweepRun, entry: LedgerEntry): Promise<void> {
  const attempt = await claimOffer(run, entry)
  if (!attempt) return
  try {
    await settleOffer(run, attempt)
  } catch (error) {
    run.fail(entry, error)
    await releaseOffer(run, attempt)
  }
}

/** Takes the offer's claim; undefined (counted) when another run holds it, it is done, or the claim failed. */
async function claimOffer(run: SweepRun, entry: LedgerEntry): Promise<Attempt | undefined> {
  const key = sweepClaimKey(entry.pk)
  let claim: ClaimResult<unknown>
  try {
    claim = await run.deps.ledger.claim(
      key,
      run.owner,
      run.leaseMs(SWEEP_DEFAULTS.claimLeaseSlackMs),
      run.clock(),
    )
  } catch (error) {
    run.fail(entry, error)
    return undefined
  }
  if (claim.status !== 'acquired') {
    run.skip(claim.status === 'busy' ? SweepSkipReason.busy : SweepSkipReason.stale)
    return undefined
  }
  // An earlier attempt that died while holding the claim ('pending') may have voided, whatever an older release
  // recorded; one that released the claim said whether its void may have reached Sparkfly.
  const ourEarlierAttempt =
    claim.attempt > 1 &&
    (claim.previous?.state === 'pending' || claim.previous?.mayHaveReachedSparkfly !== false)
  return { entry, key, ourEarlierAttempt, voidMayHaveHappened: ourEarlierAttempt }
}

/**
 * Re-reads the ledger (strongly consistent), looks the offer up in Sparkfly, voids it when Sparkfly still holds it
 * as open, records the outcome and completes the claim.
 */
async function settleOffer(run: SweepRun, attempt: Attempt): Promise<void> {
  const { ledger } = run.deps
  const latest = await ledger.get(attempt.entry.kind, attempt.entry.id)
  if (!latest || latest.status !== LedgerStatus.issued) {
    await ledger.completeClaim(attempt.key, run.owner, { outcome: SweepSkipReason.stale }, run.clock())
    return run.skip(SweepSkipReason.stale)
  }
  const offer = await look(run, latest)
  const outcome =
    offer?.status === OfferStatus.open
      ? await voidOffer(run, latest, attempt)
      : outcomeOf(offer, attempt.ourEarlierAttempt)
  const written = await recordOutcome(run, latest, outcome, offer)
  const result = { outcome: written ? outcome : SweepSkipReason.conflict }
  await ledger.completeClaim(attempt.key, run.owner, result, run.clock())
  if (written) return run.count(outcome)
  run.skip(SweepSkipReason.conflict)
  run.succeeded()
}

/** Voids the offer in Sparkfly; notes whether a failed void may still have reached Sparkfly. */
async function voidOffer(run: SweepRun, entry: LedgerEntry, attempt: Attempt): Promise<SweepOutcome> {
  attempt.voidMayHaveHappened = true
  try {
    const answer = await run.call((options) => run.deps.offers.void(entry, options))
    return VOID_OUTCOMES[answer.outcome]
  } catch (error) {
    if (provablyNotApplied(error)) attempt.voidMayHaveHappened = attempt.ourEarlierAttempt
    throw error
  }
}

/** Releases the claim after a failure, recording whether this attempt's void may have reached Sparkfly. */
async function releaseOffer(run: SweepRun, attempt: Attempt): Promise<void> {
  try {
    await run.deps.ledger.releaseClaim(attempt.key, run.owner, attempt.voidMayHaveHappened, run.clock())
  } catch (error) {
    run.log.warn('Could not release a sweep claim; it lapses with its lease', {
      offer: attempt.entry.pk,
      error: errorName(error),
    })
  }
}
