import type { LedgerEntry } from '../ledger/types'
import { OfferKind } from '../ledger/types'
import {
  SPARKFLY_CONFLICTS,
  type SparkflyClient,
  SparkflyConflictError,
  SparkflyInvalidArgumentError,
  SparkflyNotFoundError,
} from '../sparkfly'
import { type ExpiryGateway, SparkflyOfferStatus, type SparkflyOfferView, VoidResult } from './gateway'

const text = (value: unknown) =>
  value === undefined || value === null || value === '' ? undefined : String(value)

/** Sparkfly statuses: `redeemed` and `voided` are final; anything else (`incomplete`, `active`, ...) is still open. */
function viewOf(record: {
  status?: string | null
  redeemed_at?: string | null
  voided_at?: string | null
}): SparkflyOfferView {
  const status = String(record.status ?? '').toLowerCase()
  if (status === 'redeemed') {
    const at = text(record.redeemed_at)
    return at ? { status: SparkflyOfferStatus.redeemed, at } : { status: SparkflyOfferStatus.redeemed }
  }
  if (status === 'voided') {
    const at = text(record.voided_at)
    return at ? { status: SparkflyOfferStatus.voided, at } : { status: SparkflyOfferStatus.voided }
  }
  return { status: SparkflyOfferStatus.open }
}

function voidResultOf(error: unknown): VoidResult {
  if (error instanceof SparkflyConflictError) {
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyVoided) return VoidResult.alreadyVoided
    if (error.conflict === SPARKFLY_CONFLICTS.alreadyRedeemed) return VoidResult.alreadyRedeemed
  }
  throw error
}

function memberReference(entry: LedgerEntry): never {
  throw new SparkflyInvalidArgumentError(
    'memberId',
    `Offer state ${entry.id} has neither a member id nor a member identifier in the ledger`,
  )
}

/**
 * Adapts the Sparkfly client to what the sweep needs. Offer states are read with
 * `GET /members/{member_id}/offer_states/{id}` (or by their code when the ledger only knows the member's external
 * identifier) and voided with `offerStates.void` (or `voidByMemberIdentifier`); credentials with `credentials.get`
 * and `credentials.void`. Reads are retried by the client on 429 / 5xx; voids only when Sparkfly provably did
 * not act (429, connection refused).
 *
 * @example
 * const gateway = sparkflyExpiryGateway(appContext().sparkfly)
 * const view = await gateway.look(entry) // { status: 'open' }
 */
export function sparkflyExpiryGateway(client: SparkflyClient): ExpiryGateway {
  return {
    async look(entry, options = {}) {
      try {
        if (entry.kind === OfferKind.credential)
          return viewOf(await client.credentials.get(entry.id, options))
        if (entry.memberId) return viewOf(await client.offerStates.get(entry.memberId, entry.id, options))
        if (!entry.code) return memberReference(entry)
        const found = await client.offerStates.query({ credential_identifier: entry.code }, options)
        if (String(found.offer_state_id) !== entry.id) return { status: SparkflyOfferStatus.notFound }
        return viewOf(found)
      } catch (error) {
        if (error instanceof SparkflyNotFoundError) return { status: SparkflyOfferStatus.notFound }
        throw error
      }
    },

    async void(entry, options = {}) {
      try {
        if (entry.kind === OfferKind.credential) await client.credentials.void(entry.id, options)
        else if (entry.memberId) await client.offerStates.void(entry.memberId, entry.id, options)
        else if (entry.memberIdentifier) {
          await client.offerStates.voidByMemberIdentifier(entry.id, entry.memberIdentifier, options)
        } else memberReference(entry)
        return VoidResult.voided
      } catch (error) {
        return voidResultOf(error)
      }
    },
  }
}
