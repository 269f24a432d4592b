import type { OfferCloudEvent, OfferEventPublisher } from '../../../lib/events/outbound'
import { LedgerConflictError } from '../../../lib/ledger/errors'
import { ledgerKey } from '../../../lib/ledger/Ledger'
import {
  type LedgerEntry,
  LedgerStatus,
  type NewLedgerEntry,
  OfferKind,
  type TransitionFields,
} from '../../../lib/ledger/types'
import {
  type RedeemReceipt,
  type RedeemRefusal,
  RedeemRefusedError,
  type RedemptionDeps,
  type RedemptionGateway,
  type RedemptionIncident,
  type SparkflyOffer,
} from '../../../lib/redemption'

/** An in-memory ledger with the real one's conditional transitions. */
export class FakeLedger {
  readonly entries = new Map<string, LedgerEntry>()
  readonly calls: string[] = []
  failWrites = false

  add(entry: Partial<LedgerEntry> & Pick<LedgerEntry, 'kind' | 'id'>): LedgerEntry {
    const full: LedgerEntry = {
      pk: ledgerKey.offer(entry.kind, entry.id),
      status: LedgerStatus.issued,
      sourceId: 'evt-1',
      issuedAt: '2025-02-01T00:00:00.000Z',
      updatedAt: '2025-02-01T00:00:00.000Z',
      ...entry,
    }
    this.entries.set(full.pk, full)
    return full
  }

  async findByCode(code: string) {
    this.calls.push('findByCode')
    return structuredClone([...this.entries.values()].find((e) => e.code === code))
  }

  async get(kind: OfferKind, id: string) {
    this.calls.push('get')
    return structuredClone(this.entries.get(ledgerKey.offer(kind, id)))
  }

  async record(input: NewLedgerEntry) {
    this.calls.push('record')
    if (this.failWrites) throw new Error('DynamoDB unavailable')
    const pk = ledgerKey.offer(input.kind, input.id)
    const existing = this.entries.get(pk)
    if (existing) return { entry: existing, created: false }
    const entry: LedgerEntry = { ...input, pk, status: LedgerStatus.issued, updatedAt: input.issuedAt }
    this.entries.set(pk, entry)
    return { entry, created: true }
  }

  async transition(
    kind: OfferKind,
    id: string,
    to: Exclude<LedgerStatus, 'issued'>,
    fields: TransitionFields,
  ) {
    this.calls.push('transition')
    if (this.failWrites) throw new Error('DynamoDB unavailable')
    const entry = this.entries.get(ledgerKey.offer(kind, id))
    if (!entry || entry.status !== LedgerStatus.issued) {
      throw new LedgerConflictError('conflict', entry && structuredClone(entry))
    }
    const timeField = { redeemed: 'redeemedAt', voided: 'voidedAt', expired: 'expiredAt' }[to] as 'redeemedAt'
    Object.assign(entry, {
      status: to,
      updatedAt: fields.at,
      [timeField]: fields.at,
      ...(fields.transactionId ? { transactionId: fields.transactionId } : {}),
      ...(fields.storeId ? { storeId: fields.storeId } : {}),
      ...(fields.changedBy ? { changedBy: fields.changedBy } : {}),
    })
    return structuredClone(entry)
  }
}

/** A Sparkfly stand-in: offer states by code, credentials, redeem rules like the sandbox's. */
export class FakeGateway implements RedemptionGateway {
  readonly offerStates = new Map<string, SparkflyOffer>()
  readonly credentialStatus = new Map<string, string>()
  readonly calls: string[] = []
  /** Thrown by the next redeem instead of answering. */
  nextRedeemError: unknown
  now = new Date('2025-03-01T12:00:00Z')

  async findOfferStateByCode(code: string) {
    this.calls.push('findOfferStateByCode')
    return structuredClone([...this.offerStates.values()].find((o) => o.code === code))
  }

  async redeemOfferState(memberId: string, offerStateId: string): Promise<RedeemReceipt> {
    this.calls.push(`redeemOfferState:${memberId}:${offerStateId}`)
    this.throwNext()
    const state = this.offerStates.get(offerStateId)
    if (!state || state.memberId !== memberId) throw refused('not_found')
    if (state.status === 'voided') throw refused('voided')
    if (state.status === 'redeemed') throw refused('already_redeemed')
    if (state.activatesAt && this.now < new Date(state.activatesAt)) throw refused('not_yet_active')
    if (state.expiresAt && this.now >= new Date(state.expiresAt)) throw refused('expired')
    state.status = 'redeemed'
    state.redeemedAt = this.now.toISOString()
    return { redeemedAt: state.redeemedAt, offerName: '10% off' }
  }

  async redeemCredential(credentialId: string): Promise<RedeemReceipt> {
    this.calls.push(`redeemCredential:${credentialId}`)
    this.throwNext()
    const status = this.credentialStatus.get(credentialId)
    if (!status) throw refused('not_found')
    if (status === 'voided') throw refused('voided')
    if (status === 'redeemed') throw refused('already_redeemed')
    this.credentialStatus.set(credentialId, 'redeemed')
    return { redeemedAt: this.now.toISOString() }
  }

  get redeemCalls(): number {
    return this.calls.filter((c) => c.startsWith('redeem')).length
  }

  private throwNext() {
    if (this.nextRedeemError === undefined) return
    const error = this.nextRedeemError
    this.nextRedeemError = undefined
    throw error
  }
}

const refused = (reason: RedeemRefusal) => new RedeemRefusedError(reason, reason)

export class FakePublisher implements OfferEventPublisher {
  readonly events: OfferCloudEvent[] = []
  failures = 0
  async publish(event: OfferCloudEvent) {
    if (this.failures > 0) {
      this.failures--
      throw new Error('SQS unavailable')
    }
    this.events.push(structuredClone(event))
  }
}

/** Ledger, gateway, publisher and the deps that tie them, at a fixed `now`. */
export function world(now = new Date('2025-03-01T12:00:00Z')) {
  const ledger = new FakeLedger()
  const gateway = new FakeGateway()
  gateway.now = now
  const publisher = new FakePublisher()
  const incidents: RedemptionIncident[] = []
  const deps: RedemptionDeps = {
    ledger,
    gateway,
    publisher,
    eventSource: 'urn:test',
    requestId: 'msg_1',
    changedBy: 'pos-webhook:msg_1',
    credentialMaxAgeDays: 90,
    now: () => now,
    onIncident: (incident) => incidents.push(incident),
  }
  return { ledger, gateway, publisher, incidents, deps, now }
}

/** An offer state the project issued: in the ledger and at Sparkfly. */
export function issuedOfferState(
  w: ReturnType<typeof world>,
  overrides: { id?: string; code?: string; memberId?: string; activatesAt?: string; expiresAt?: string } = {},
) {
  const id = overrides.id ?? '9001'
  const code = overrides.code ?? 'K7Q2M9XR4T'
  const memberId = overrides.memberId ?? '42'
  const window = {
    activatesAt: overrides.activatesAt ?? '2025-02-01T00:00:00.000Z',
    expiresAt: overrides.expiresAt ?? '2025-04-01T00:00:00.000Z',
  }
  w.gateway.offerStates.set(id, {
    kind: OfferKind.offerState,
    id,
    code,
    status: 'incomplete',
    memberId,
    offerId: '1701',
    ...window,
  })
  return w.ledger.add({
    kind: OfferKind.offerState,
    id,
    code,
    memberId,
    offerId: '1701',
    campaignId: 'camp1',
    ...window,
  })
}
