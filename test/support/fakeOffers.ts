import { OfferKind } from '../../lib/ledger/types'
import {
  type CallOptions,
  type IssueRequest,
  type Offer,
  type OfferRef,
  OfferStatus,
  type Offers,
  type RedeemOutcome,
  RedeemRefusal,
  type VoidOutcome,
} from '../../lib/offers'
import { SparkflyServerError, SparkflyTimeoutError } from '../../lib/sparkfly/errors'

/** An operation of the offers port. */
export type OfferOperation = keyof Offers

/** One call the fake received. */
export interface OfferCall {
  operation: OfferOperation
  args: unknown[]
  options?: CallOptions
}

/**
 * A fault for the next call(s) of one operation: throw `error` instead of answering. With `applied: true` the call
 * takes effect first and only its answer is lost (a timeout or a 5xx after Sparkfly acted).
 */
export interface OfferFault {
  error: Error
  applied?: boolean
  /** How many calls it hits (default 1). */
  times?: number
}

/** A Sparkfly server error, as a port would throw it (retryable, may have been applied). */
export const serverError = (message = 'Sparkfly answered 500') =>
  new SparkflyServerError(message, { status: 500 })

/** A client-side timeout: the answer was lost, the request may have been applied. */
export const timeoutError = (message = 'Sparkfly did not answer in time') => new SparkflyTimeoutError(message)

/**
 * The in-memory offers port every domain's unit tests share: issue, find, redeem and void with Sparkfly's
 * decisions (already redeemed, voided, expired, not yet active, not found), a call log, and faults that fail a call
 * before or after it takes effect.
 *
 * @example
 * const offers = new FakeOffers()
 * const offer = offers.seed({ kind: 'offerState', memberId: '7', code: 'ABC123' })
 * offers.fail('redeem', { error: timeoutError(), applied: true })
 */
export class FakeOffers implements Offers {
  readonly calls: OfferCall[] = []
  private readonly offers = new Map<string, Offer>()
  private readonly faults = new Map<OfferOperation, OfferFault[]>()
  private nextId = 1000

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** Adds an offer as if Sparkfly had issued it elsewhere; returns it. */
  seed(offer: Partial<Offer> & Pick<Offer, 'kind'>): Offer {
    const id = offer.id ?? String(++this.nextId)
    const stored: Offer = { status: OfferStatus.open, code: `CODE${id}`, ...offer, id }
    this.offers.set(key(stored), stored)
    return { ...stored }
  }

  /** The offer as the fake holds it now (a copy), or undefined. */
  peek(kind: Offer['kind'], id: string): Offer | undefined {
    const offer = this.offers.get(`${kind}#${id}`)
    return offer && { ...offer }
  }

  /** Every offer the fake holds. */
  all(): Offer[] {
    return [...this.offers.values()].map((offer) => ({ ...offer }))
  }

  /** Queues a fault for the next call(s) of `operation`. */
  fail(operation: OfferOperation, fault: OfferFault): this {
    this.faults.set(operation, [...(this.faults.get(operation) ?? []), fault])
    return this
  }

  /** The calls of one operation. */
  callsOf(operation: OfferOperation): OfferCall[] {
    return this.calls.filter((call) => call.operation === operation)
  }

  get(ref: OfferRef, options?: CallOptions): Promise<Offer | undefined> {
    return this.run('get', [ref], options, () => this.peek(ref.kind, ref.id))
  }

  findByCode(code: string, options?: CallOptions): Promise<Offer | undefined> {
    return this.run('findByCode', [code], options, () => this.all().find((offer) => offer.code === code))
  }

  findByExternalRef(request: IssueRequest, options?: CallOptions): Promise<Offer | undefined> {
    return this.run('findByExternalRef', [request], options, () =>
      this.all().find(
        (offer) => offer.kind === request.kind && offer.externalRefId === request.externalRefId,
      ),
    )
  }

  issue(request: IssueRequest, options?: CallOptions): Promise<Offer> {
    return this.run('issue', [request], options, () => {
      const { kind, ...fields } = request
      return this.seed({ kind, ...fields, createdAt: this.clock().toISOString() })
    })
  }

  redeem(ref: OfferRef, options?: CallOptions): Promise<RedeemOutcome> {
    return this.run('redeem', [ref], options, () => {
      const offer = this.offers.get(key(ref))
      const refusal = offer ? this.redeemRefusal(offer) : RedeemRefusal.notFound
      if (refusal || !offer) return { outcome: 'refused', reason: refusal ?? RedeemRefusal.notFound }
      offer.status = OfferStatus.redeemed
      offer.redeemedAt = this.clock().toISOString()
      return offer.offerName
        ? { outcome: 'redeemed', redeemedAt: offer.redeemedAt, offerName: offer.offerName }
        : { outcome: 'redeemed', redeemedAt: offer.redeemedAt }
    })
  }

  void(ref: OfferRef, options?: CallOptions): Promise<VoidOutcome> {
    return this.run('void', [ref], options, (): VoidOutcome => {
      const offer = this.offers.get(key(ref))
      if (!offer) return { outcome: 'not_found' }
      if (offer.status === OfferStatus.voided) return { outcome: 'already_voided' }
      if (offer.status === OfferStatus.redeemed) return { outcome: 'already_redeemed' }
      offer.status = OfferStatus.voided
      offer.voidedAt = this.clock().toISOString()
      return offer.kind === OfferKind.credential
        ? { outcome: 'voided', offer: { ...offer } }
        : { outcome: 'voided' }
    })
  }

  private redeemRefusal(offer: Offer): RedeemRefusal | undefined {
    const now = this.clock().getTime()
    if (offer.status === OfferStatus.redeemed) return RedeemRefusal.alreadyRedeemed
    if (offer.status === OfferStatus.voided) return RedeemRefusal.voided
    if (offer.expiresAt && Date.parse(offer.expiresAt) <= now) return RedeemRefusal.expired
    if (offer.activatesAt && Date.parse(offer.activatesAt) > now) return RedeemRefusal.notYetActive
    return undefined
  }

  private async run<T>(
    operation: OfferOperation,
    args: unknown[],
    options: CallOptions | undefined,
    effect: () => T,
  ): Promise<T> {
    this.calls.push(options ? { operation, args, options } : { operation, args })
    await Promise.resolve()
    const fault = this.takeFault(operation)
    if (fault && !fault.applied) throw fault.error
    const result = effect()
    if (fault) throw fault.error
    return result
  }

  private takeFault(operation: OfferOperation): OfferFault | undefined {
    const queue = this.faults.get(operation)
    const fault = queue?.[0]
    if (!queue || !fault) return undefined
    const left = (fault.times ?? 1) - 1
    if (left > 0) queue[0] = { ...fault, times: left }
    else queue.shift()
    return fault
  }
}

const key = (ref: Pick<OfferRef, 'kind' | 'id'>) => `${ref.kind}#${ref.id}`
