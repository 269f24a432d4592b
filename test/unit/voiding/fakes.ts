import type { OfferCloudEvent, OfferEventPublisher } from '../../../lib/events/outbound'
import { OfferKind } from '../../../lib/ledger/types'
import type { OfferStateRef, RemoteOffer, VoidCallResult, VoidGateway } from '../../../lib/voiding/gateway'

/** A Sparkfly offer as the fake holds it. */
export interface FakeOffer extends RemoteOffer {
  memberIdentifier?: string
}

/**
 * An in-memory Sparkfly behind the voiding port: offer states and credentials with their status, Sparkfly's void
 * rules (404 for an unknown offer or another member's, "already voided/redeemed"), a count of void calls and a way to
 * make the next call fail.
 */
export class FakeVoidGateway implements VoidGateway {
  readonly offers = new Map<string, FakeOffer>()
  readonly voidCalls: Array<{ kind: OfferKind; id: string; memberId?: string; memberIdentifier?: string }> =
    []
  readonly reads: string[] = []
  private failures: unknown[] = []

  add(offer: Omit<FakeOffer, 'status'> & { status?: FakeOffer['status'] }): FakeOffer {
    const stored: FakeOffer = { status: 'issued', ...offer }
    this.offers.set(`${offer.kind}#${offer.id}`, stored)
    return stored
  }

  /** The next void call throws `error` instead of running. */
  failNextVoid(error: unknown): void {
    this.failures.push(error)
  }

  status(kind: OfferKind, id: string): FakeOffer['status'] | undefined {
    return this.offers.get(`${kind}#${id}`)?.status
  }

  async voidOfferState(ref: OfferStateRef): Promise<VoidCallResult> {
    this.voidCalls.push({ kind: OfferKind.offerState, id: ref.offerStateId, ...this.memberOf(ref) })
    this.throwIfFailing()
    const offer = this.offers.get(`${OfferKind.offerState}#${ref.offerStateId}`)
    const sameMember =
      offer &&
      ('memberId' in ref ? offer.memberId === ref.memberId : offer.memberIdentifier === ref.memberIdentifier)
    if (!offer || !sameMember) return { outcome: 'not_found' }
    return this.voidIt(offer)
  }

  async voidCredential(credentialId: string): Promise<VoidCallResult> {
    this.voidCalls.push({ kind: OfferKind.credential, id: credentialId })
    this.throwIfFailing()
    const offer = this.offers.get(`${OfferKind.credential}#${credentialId}`)
    if (!offer) return { outcome: 'not_found' }
    const result = this.voidIt(offer)
    return result.outcome === 'voided' ? { outcome: 'voided', offer: { ...offer } } : result
  }

  async getOfferState(memberId: string, offerStateId: string): Promise<RemoteOffer | undefined> {
    this.reads.push(`offerState#${offerStateId}`)
    const offer = this.offers.get(`${OfferKind.offerState}#${offerStateId}`)
    return offer && offer.memberId === memberId ? { ...offer } : undefined
  }

  async getCredential(credentialId: string): Promise<RemoteOffer | undefined> {
    this.reads.push(`credential#${credentialId}`)
    const offer = this.offers.get(`${OfferKind.credential}#${credentialId}`)
    return offer && { ...offer }
  }

  async findOfferStateByCode(code: string): Promise<RemoteOffer | undefined> {
    this.reads.push(`code#${code}`)
    const offer = [...this.offers.values()].find((o) => o.kind === OfferKind.offerState && o.code === code)
    return offer && { ...offer }
  }

  private voidIt(offer: FakeOffer): VoidCallResult {
    if (offer.status === 'voided') return { outcome: 'already_voided' }
    if (offer.status === 'redeemed') return { outcome: 'already_redeemed' }
    offer.status = 'voided'
    offer.voidedAt = new Date().toISOString()
    return { outcome: 'voided' }
  }

  private memberOf(ref: OfferStateRef) {
    return 'memberId' in ref ? { memberId: ref.memberId } : { memberIdentifier: ref.memberIdentifier }
  }

  private throwIfFailing(): void {
    const failure = this.failures.shift()
    if (failure !== undefined) throw failure
  }
}

/** Keeps what was published; can be made to fail the next publish. */
export class FakePublisher implements OfferEventPublisher {
  readonly events: OfferCloudEvent[] = []
  private failNext = false

  failNextPublish(): void {
    this.failNext = true
  }

  async publish(event: OfferCloudEvent): Promise<void> {
    if (this.failNext) {
      this.failNext = false
      throw new Error('SQS unavailable')
    }
    this.events.push(event)
  }
}
