import type { OfferEventPublisher } from '../events/outbound'
import type { RedemptionIntents } from '../ledger/intents'
import type { Ledger } from '../ledger/Ledger'
import type { LedgerEntry, LedgerStatus, OfferKind } from '../ledger/types'
import type { Offer, Offers } from '../offers'

/** What a redemption attempt came to. */
export const RedemptionStatus = {
  redeemed: 'redeemed',
  notFound: 'not_found',
  alreadyRedeemed: 'already_redeemed',
  voided: 'voided',
  expired: 'expired',
  notYetActive: 'not_yet_active',
} as const
export type RedemptionStatus = (typeof RedemptionStatus)[keyof typeof RedemptionStatus]

/**
 * An offer as redemption answers show it: what Sparkfly knows of it (a {@link Offer}) merged with what the ledger
 * recorded, in the ledger's vocabulary (issued / redeemed / voided / expired). A view for answers, not another offer.
 */
export type OfferView = Pick<
  Offer,
  | 'kind'
  | 'id'
  | 'code'
  | 'memberId'
  | 'memberIdentifier'
  | 'offerId'
  | 'campaignId'
  | 'offerName'
  | 'activatesAt'
  | 'expiresAt'
  | 'redeemedAt'
  | 'voidedAt'
> & {
  status: LedgerStatus
  issuedAt?: string
  expiredAt?: string
  /** The POS transaction that redeemed it. */
  transactionId?: string
  /** The store where it was redeemed. */
  storeId?: string
}

/** Where the offer was found: the ledger (issued by this project) or Sparkfly (issued elsewhere). */
export type OfferSource = 'ledger' | 'sparkfly'

/** What a redemption attempt came to; the edge turns it into the HTTP answer. */
export type RedemptionOutcome =
  | {
      status: typeof RedemptionStatus.redeemed
      offer: OfferView
      redeemedAt: string
      transactionId: string
      storeId?: string
      source: OfferSource
      /** True when this transaction had already redeemed the code (a retry with a new webhook-id): nothing redeemed again. */
      replayed: boolean
    }
  | { status: typeof RedemptionStatus.notFound }
  | {
      status:
        | typeof RedemptionStatus.alreadyRedeemed
        | typeof RedemptionStatus.voided
        | typeof RedemptionStatus.expired
        | typeof RedemptionStatus.notYetActive
      /** The offer's current state. */
      offer: OfferView
      /** Who decided: our own records, or Sparkfly (the ledger was behind). */
      decidedBy: 'ledger' | 'sparkfly'
    }

/** Something that went wrong after Sparkfly redeemed the offer: the answer is still 200, operators must reconcile. */
export interface RedemptionIncident {
  kind:
    | 'stale_ledger'
    | 'ledger_conflict'
    | 'ledger_write_failed'
    | 'event_publish_failed'
    | 'delivery_write_failed'
  offer: { kind: OfferKind; id: string }
  error?: unknown
}

/** What {@link redeemByCode} works with: the ledger, the offers port, the event publisher and who is asking. */
export interface RedemptionDeps {
  ledger: Pick<Ledger, 'findByCode' | 'get' | 'record' | 'transition'>
  /** The offers port; its calls carry the caller's time budget (`withCallOptions`). */
  offers: Pick<Offers, 'findByCode' | 'get' | 'redeem'>
  publisher: OfferEventPublisher
  /** CloudEvents `source` of the events we publish. */
  eventSource: string
  /** The delivery that asked (the `webhook-id`): `sourceId` of the `offer.redeemed` event. */
  requestId: string
  /** Recorded as `changedBy` in the ledger and the event, e.g. `pos-webhook:<webhook-id>`. */
  changedBy: string
  /** Credentials older than this (from `issuedAt`) are expired, as the sweep treats them. */
  credentialMaxAgeDays: number
  now?: () => Date
  /**
   * The deliveries and redemption intents of the webhook ({@link redeemDelivery} needs them; `redeemByCode` alone
   * does not).
   */
  intents?: Pick<
    RedemptionIntents<RedemptionOutcome>,
    'claimDelivery' | 'completeDelivery' | 'releaseDelivery' | 'noteIntent' | 'settleIntent' | 'restoreIntent'
  >
  /** How long a delivery is held by this attempt before a retry may take it over (its remaining time). */
  leaseMs?: () => number
  /** Told about what went wrong after Sparkfly redeemed (logs, metrics). */
  onIncident?: (incident: RedemptionIncident) => void
}

/** The offer behind a code, as found: its view, where it was found, and its ledger entry when it has one. */
export interface Candidate {
  view: OfferView
  source: OfferSource
  entry?: LedgerEntry
  /** When Sparkfly created it (offers issued elsewhere): their `issuedAt` in the ledger. */
  createdAt?: string
}

/**
 * What an earlier delivery of the same POS transaction left for this one: nothing (`none`), a refusal (`refused`:
 * nothing was redeemed for it), or an outcome nobody knows (`unknown`: it may have redeemed, its answer lost).
 */
export type EarlierAttempt = 'none' | 'refused' | 'unknown'

/** How a delivery of the POS webhook ended. */
export type DeliveryResult =
  | {
      status: 'answered'
      outcome: RedemptionOutcome
      /** True when this is the answer stored for an earlier attempt of the same delivery (nothing ran again). */
      stored: boolean
    }
  /** Another attempt of the same delivery is still running (after waiting for it). */
  | { status: 'in_progress' }
  /** The same `webhook-id` came with another body. */
  | { status: 'key_reused' }
