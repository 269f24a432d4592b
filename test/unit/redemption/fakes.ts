import type { OfferCloudEvent, OfferEventPublisher } from '../../../lib/events/outbound'
import { LedgerConflictError } from '../../../lib/ledger/errors'
import type { DeliveryClaim, DeliveryLease, EarlierIntent } from '../../../lib/ledger/intents'
import { ledgerKey } from '../../../lib/ledger/Ledger'
import {
  type LedgerEntry,
  LedgerStatus,
  type NewLedgerEntry,
  OfferKind,
  type TransitionFields,
} from '../../../lib/ledger/types'
import { type Offer, OfferStatus } from '../../../lib/offers'
import type { RedemptionDeps, RedemptionIncident, RedemptionOutcome } from '../../../lib/redemption'
import { FakeOffers } from '../../support/fakeOffers'

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

/** Ledger, offers port, publisher and the deps that tie them, at a fixed `now` (Sparkfly's clock can move apart). */
export function world(now = new Date('2025-03-01T12:00:00Z')) {
  const ledger = new FakeLedger()
  const sparkfly = { now }
  const offers = new FakeOffers(() => sparkfly.now)
  const publisher = new FakePublisher()
  const incidents: RedemptionIncident[] = []
  const deps: RedemptionDeps = {
    ledger,
    offers,
    publisher,
    eventSource: 'urn:test',
    requestId: 'msg_1',
    changedBy: 'pos-webhook:msg_1',
    credentialMaxAgeDays: 90,
    now: () => now,
    onIncident: (incident) => incidents.push(incident),
  }
  return { ledger, offers, sparkfly, publisher, incidents, deps, now }
}

/** The calls the offers port received, in short: `findByCode:<code>`, `redeem:<kind>:<id>[:<memberId>]`. */
export function sparkflyCalls(w: ReturnType<typeof world>): string[] {
  return w.offers.calls.map(({ operation, args }) => {
    if (operation !== 'redeem') return `${operation}:${String(args[0])}`
    const ref = args[0] as Offer
    return ['redeem', ref.kind, ref.id, ...(ref.memberId ? [ref.memberId] : [])].join(':')
  })
}

/** How many redeems reached the offers port. */
export const redeemCalls = (w: ReturnType<typeof world>) => w.offers.callsOf('redeem').length

/** An offer state the project issued: in the ledger and at Sparkfly (whose redeem answers its name). */
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
  w.offers.seed({
    kind: OfferKind.offerState,
    id,
    code,
    status: OfferStatus.open,
    memberId,
    offerId: '1701',
    offerName: '10% off',
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

/** In-memory delivery records and redemption intents, with the DynamoDB adapter's semantics (no leases expire). */
export class FakeIntents {
  readonly deliveries = new Map<
    string,
    { fingerprint: string; state: string; owner: string; answer?: string }
  >()
  readonly intents = new Map<string, EarlierIntent>()
  private owners = 0

  async claimDelivery(webhookId: string, fingerprint: string): Promise<DeliveryClaim<RedemptionOutcome>> {
    const current = this.deliveries.get(webhookId)
    if (current && current.fingerprint !== fingerprint) return { status: 'reused' }
    if (current?.state === 'done') return { status: 'answered', answer: JSON.parse(current.answer ?? '{}') }
    if (current?.state === 'started') return { status: 'busy' }
    const owner = String(++this.owners)
    this.deliveries.set(webhookId, { fingerprint, state: 'started', owner })
    return { status: 'acquired', lease: { webhookId, owner }, attempt: 1 }
  }

  async completeDelivery(lease: DeliveryLease, answer: RedemptionOutcome) {
    const current = this.deliveries.get(lease.webhookId)
    if (current?.owner === lease.owner)
      Object.assign(current, { state: 'done', answer: JSON.stringify(answer) })
  }

  async releaseDelivery(lease: DeliveryLease) {
    const current = this.deliveries.get(lease.webhookId)
    if (current?.owner === lease.owner) current.state = 'failed'
  }

  async noteIntent(code: string, transactionId: string, webhookId: string) {
    const key = `${code}#${transactionId}`
    const old = this.intents.get(key)
    this.intents.set(key, { deliveries: [...(old?.deliveries ?? []), webhookId] })
    return old && structuredClone(old)
  }

  async settleIntent(code: string, transactionId: string, outcome: 'refused') {
    const intent = this.intents.get(`${code}#${transactionId}`)
    if (intent) intent.outcome = outcome
  }

  async restoreIntent(code: string, transactionId: string, earlier: EarlierIntent | undefined) {
    if (earlier) this.intents.set(`${code}#${transactionId}`, earlier)
    else this.intents.delete(`${code}#${transactionId}`)
  }
}
