/**
 * The soak's crash points: the issuance worker is SIGKILLed while Sparkfly applies an issue, at one of two points
 * the sandbox controls exactly (so a loaded machine cannot let the worker record first):
 * - `before-answer`: from the sandbox's `onApplied` hook, after the offer exists and before the 201 is written; the
 *   answer waits until the worker has exited, so it never reaches it;
 * - `after-answer`: the worker is frozen (SIGSTOP) before the 201 is written, the 201 leaves, and the worker is
 *   killed right after (from `onRequest`): the answer reached a process that never ran again.
 * Each kill names its trigger offer; right after the kill the soak checks it is not in the ledger, and at the end
 * that it was recovered (in the ledger, with its `offer.issued`, the only offer of its (event, rule)).
 */
import type { ChildProcess } from 'node:child_process'
import type { RequestLogEntry } from '../sandbox'
import { exited } from './worker'

export const CrashPoint = {
  beforeAnswer: 'before-answer',
  afterAnswer: 'after-answer',
} as const
export type CrashPoint = (typeof CrashPoint)[keyof typeof CrashPoint]

export interface CrashReport {
  point: CrashPoint
  /** Issues Sparkfly had applied (with their 201) when the worker was killed. */
  afterIssues: number
  /** The offer state whose issue was being answered at the kill, and its external ref (filled in at the end). */
  triggerOfferId: number
  triggerRef: string
  /** Whether the ledger held the trigger offer right after the kill. Must be false. */
  recordedAtKill: boolean
  /** Whether, at the end, the trigger offer is in the ledger with its `offer.issued` and alone for its ref. */
  recoveredAfter: boolean
  /** Loyalty-events messages in flight (received, not acknowledged) right after the kill. */
  inFlightMessages: number
  /** Recent offers Sparkfly had issued that the ledger did not hold right after the kill. */
  issuedNotRecorded: number
}

/** What a crash needs from the soak: the current worker, a look at what the kill left, a new worker. */
export interface CrashHost {
  worker(): ChildProcess | undefined
  inspect(
    triggerOfferId: number,
  ): Promise<Pick<CrashReport, 'recordedAtKill' | 'inFlightMessages' | 'issuedNotRecorded'>>
  restart(): Promise<void>
  log(line: string): void
}

interface Trigger {
  offerId: number
}

/** The crash points of a run: `count` kills spread over `expectedIssues`, alternating before and after the 201. */
export function crashPoints(count: number, expectedIssues: number): Array<{ at: number; point: CrashPoint }> {
  return Array.from({ length: count }, (_, k) => ({
    at: Math.max(5, Math.floor((expectedIssues * (k + 1)) / (count + 1))),
    point: k % 2 === 0 ? CrashPoint.beforeAnswer : CrashPoint.afterAnswer,
  }))
}

function triggerOf(body: unknown): Trigger | undefined {
  const offer = (body as { offer_state?: { id?: unknown } } | undefined)?.offer_state
  if (typeof offer?.id !== 'number') return undefined
  return { offerId: offer.id }
}

/** Runs the crash points from the sandbox's hooks; `inProgress` is set while a kill is inspected and recovered. */
export class CrashSchedule {
  readonly reports: CrashReport[] = []
  inProgress: Promise<void> | undefined
  private points: Array<{ at: number; point: CrashPoint }> = []
  private next = 0
  private applied = 0
  private host: CrashHost | undefined
  private frozen:
    | { requestId: string; victim: ChildProcess; trigger: Trigger; afterIssues: number }
    | undefined
  private readonly victims = new WeakSet<ChildProcess>()

  /** Whether this worker was (or is being) killed by a crash point. */
  killed(worker: ChildProcess): boolean {
    return this.victims.has(worker)
  }

  arm(host: CrashHost, points: Array<{ at: number; point: CrashPoint }>): void {
    this.host = host
    this.points = points
  }

  /** No more crashes; a worker still frozen is killed. */
  disarm(): void {
    this.host = undefined
    this.frozen?.victim.kill('SIGKILL')
    this.frozen = undefined
  }

  get wanted(): number {
    return this.points.length
  }

  /** The sandbox's `onApplied`: counts applied issues and starts a crash at its point. */
  onApplied(entry: Readonly<RequestLogEntry>, answer: { body: unknown }): Promise<void> | undefined {
    if (entry.operation !== 'offerStates.issue' || entry.appliedStatus !== 201 || entry.fault)
      return undefined
    this.applied += 1
    const planned = this.points[this.next]
    const victim = this.host?.worker()
    const trigger = triggerOf(answer.body)
    if (!planned || this.applied < planned.at || this.inProgress || this.frozen || !victim || !trigger)
      return undefined
    this.next += 1
    this.victims.add(victim)
    if (planned.point === CrashPoint.afterAnswer) {
      victim.kill('SIGSTOP')
      this.frozen = { requestId: entry.requestId, victim, trigger, afterIssues: this.applied }
      return undefined
    }
    victim.kill('SIGKILL')
    this.inProgress = this.recover(victim, trigger, CrashPoint.beforeAnswer, this.applied)
    return exited(victim)
  }

  /** The sandbox's `onRequest`: kills the frozen worker once the answer it waited for has left. */
  onAnswered(entry: Readonly<RequestLogEntry>): void {
    const frozen = this.frozen
    if (!frozen || entry.requestId !== frozen.requestId) return
    this.frozen = undefined
    frozen.victim.kill('SIGKILL')
    this.inProgress = this.recover(frozen.victim, frozen.trigger, CrashPoint.afterAnswer, frozen.afterIssues)
  }

  private async recover(victim: ChildProcess, trigger: Trigger, point: CrashPoint, afterIssues: number) {
    const host = this.host
    try {
      await exited(victim)
      if (!host) return
      const seen = await host.inspect(trigger.offerId)
      this.reports.push({
        point,
        afterIssues,
        triggerOfferId: trigger.offerId,
        triggerRef: '',
        recoveredAfter: false,
        ...seen,
      })
      host.log(
        `  crash ${this.reports.length} (${point}): SIGKILL at issue ${afterIssues} (offer ${trigger.offerId}${seen.recordedAtKill ? ', ALREADY in the ledger' : ', not in the ledger'}); ${seen.inFlightMessages} messages in flight, ${seen.issuedNotRecorded} recent offers not yet in the ledger`,
      )
      await host.restart()
    } finally {
      this.inProgress = undefined
    }
  }
}
