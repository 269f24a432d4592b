import type { OfferCloudEvent, OfferEventPublisher } from '../../../lib/events/outbound'
import type { SweepCheckpoint, SweepCheckpointStore } from '../../../lib/expiry/checkpoints'
import {
  type ExpiryGateway,
  SparkflyOfferStatus,
  type SparkflyOfferView,
  VoidResult,
} from '../../../lib/expiry/gateway'
import type { SweepLogger } from '../../../lib/expiry/runSweep'
import type { LedgerEntry } from '../../../lib/ledger/types'

type Status = (typeof SparkflyOfferStatus)[keyof typeof SparkflyOfferStatus]

/**
 * An in-memory Sparkfly as the sweep sees it: a status per offer (by ledger key), a count of void calls per offer,
 * and hooks to fail or hold calls.
 */
export class FakeSparkfly implements ExpiryGateway {
  readonly statuses = new Map<string, Status>()
  readonly voids = new Map<string, number>()
  lookCalls = 0
  /** Throws this error from look() when it returns one. */
  failLook?: (entry: LedgerEntry) => Error | undefined
  /** Throws this error from void() when it returns one (before acting). */
  failVoid?: (entry: LedgerEntry) => Error | undefined
  /** Awaited inside void() after the offer is voided (holds a call in flight). */
  holdVoid?: (entry: LedgerEntry) => Promise<void>
  /** Called after each look (e.g. to make time pass). */
  afterCall?: () => void

  set(entry: LedgerEntry, status: Status): void {
    this.statuses.set(entry.pk, status)
  }

  totalVoids(): number {
    return [...this.voids.values()].reduce((sum, n) => sum + n, 0)
  }

  async look(entry: LedgerEntry): Promise<SparkflyOfferView> {
    this.lookCalls += 1
    this.afterCall?.()
    const error = this.failLook?.(entry)
    if (error) throw error
    const status = this.statuses.get(entry.pk) ?? SparkflyOfferStatus.notFound
    if (status === SparkflyOfferStatus.redeemed || status === SparkflyOfferStatus.voided) {
      return { status, at: '2026-02-20T10:00:00.000Z' }
    }
    return { status }
  }

  async void(entry: LedgerEntry): Promise<VoidResult> {
    this.voids.set(entry.pk, (this.voids.get(entry.pk) ?? 0) + 1)
    this.afterCall?.()
    const error = this.failVoid?.(entry)
    if (error) throw error
    const status = this.statuses.get(entry.pk)
    if (status === SparkflyOfferStatus.voided) return VoidResult.alreadyVoided
    if (status === SparkflyOfferStatus.redeemed) return VoidResult.alreadyRedeemed
    this.statuses.set(entry.pk, SparkflyOfferStatus.voided)
    await this.holdVoid?.(entry)
    return VoidResult.voided
  }
}

/** Keeps published events in order. */
export class FakePublisher implements OfferEventPublisher {
  readonly events: OfferCloudEvent[] = []
  async publish(event: OfferCloudEvent): Promise<void> {
    this.events.push(event)
  }
}

/** Checkpoint store in memory. */
export class MemoryCheckpoints implements SweepCheckpointStore {
  value?: SweepCheckpoint
  writes = 0
  async read() {
    return this.value
  }
  async write(checkpoint: SweepCheckpoint) {
    this.writes += 1
    this.value = checkpoint
  }
}

/** A logger that keeps what it was told (and prints nothing). */
export class MemoryLogger implements SweepLogger {
  readonly lines: Array<{ level: string; message: string; attributes?: Record<string, unknown> }> = []
  info(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, attributes })
  }
  warn(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, attributes })
  }
  error(message: string, attributes?: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, attributes })
  }
}
