import { SparkflyNotFoundError } from '../errors'
import type { RequestOptions, SparkflyRequester } from '../request'
import { type OperationCaller, operationCaller } from '../resource'
import type { SparkflyId } from '../validation'
import type {
  CreateOfferStateFromQueryParams,
  IssuedOfferState,
  IssueForMemberParams,
  IssueOfferStateParams,
  ListOfferStatesParams,
  OfferState,
  OfferStateList,
  OfferStateUpdate,
  QueryOfferStateParams,
} from './offerStateSchemas'

export type {
  CreateOfferStateFromQueryParams,
  IssuedOfferState,
  IssueForMemberParams,
  IssueOfferStateParams,
  ListOfferStatesParams,
  OfferState,
  OfferStateInput,
  OfferStateList,
  OfferStateStatus,
  OfferStateUpdate,
  QueryOfferStateParams,
} from './offerStateSchemas'

/**
 * `client.offerStates`: the 11 offer state operations (`/members/...`), each declared in `operations.ts`.
 * Unsafe ones (issue, create, redeem, void) are never replayed after an outcome Sparkfly may have acted on
 * (`applied: 'maybe'`): look the offer up (e.g. by `external_ref_id`) before calling again.
 *
 * @example
 * ```ts
 * const issued = await client.offerStates.issue({ campaign_id: 'abc', member_id: 42, external_ref_id: 'evt-1' })
 * const state = await client.offerStates.get(issued.member_id, issued.id)
 * await client.offerStates.void(issued.member_id, issued.id)
 * ```
 */
export class OfferStatesResource {
  private readonly call: OperationCaller

  constructor(request: SparkflyRequester) {
    this.call = operationCaller(request)
  }

  /** POST /members/offer_states/issue: the high-throughput issuance (prefer it for many members). Unsafe. */
  issue(params: IssueOfferStateParams, options?: RequestOptions): Promise<IssuedOfferState> {
    return this.call('offerStates.issue', { body: params }, options)
  }

  /** POST /members/offer_states?token&offer_id&channel_id with an optional `offer_state` body. Unsafe. */
  createFromQuery(params: CreateOfferStateFromQueryParams, options?: RequestOptions): Promise<OfferState> {
    return this.call('offerStates.createFromQuery', { query: params, body: params?.offer_state }, options)
  }

  /** POST /members/{member_id}/offer_states?offer_id&channel_id with an optional `offer_state` body. Unsafe. */
  issueForMember(
    memberId: SparkflyId,
    params: IssueForMemberParams = {},
    options?: RequestOptions,
  ): Promise<OfferState> {
    return this.call(
      'offerStates.issueForMember',
      { params: { member_id: memberId }, query: params, body: params?.offer_state },
      options,
    )
  }

  /** GET /members/{member_id}/offer_states/{id}. */
  get(memberId: SparkflyId, id: SparkflyId, options?: RequestOptions): Promise<OfferState> {
    return this.call('offerStates.get', { params: { member_id: memberId, id } }, options)
  }

  /**
   * GET /members/{member_id}/offer_states?channel_id&page&per_page: the member's offer states. The platform
   * description requires `channel_id` (the channel the list is shown in); the offer-states one takes none.
   */
  list(
    memberId: SparkflyId,
    params: ListOfferStatesParams = {},
    options?: RequestOptions,
  ): Promise<OfferStateList> {
    return this.call('offerStates.list', { params: { member_id: memberId }, query: params }, options)
  }

  /** GET /members/{member_id}/offers/{offer_id}: the member's offer state for an offer. */
  getByOffer(memberId: SparkflyId, offerId: SparkflyId, options?: RequestOptions): Promise<OfferState> {
    return this.call(
      'offerStates.getByOffer',
      { params: { member_id: memberId, offer_id: offerId } },
      options,
    )
  }

  /**
   * GET /members/offer_states?token|credential_identifier|external_ref_id (at least one): every match, `[]` when
   * none. Sparkfly answers a page (platform description: empty when nothing matches) or one `offer_state`
   * (offer-states description: 404 when nothing matches); both become this list.
   */
  async queryAll(params: QueryOfferStateParams, options?: RequestOptions): Promise<OfferState[]> {
    try {
      return await this.call('offerStates.query', { query: params }, options)
    } catch (error) {
      if (error instanceof SparkflyNotFoundError) return []
      throw error
    }
  }

  /**
   * The first offer state matching the query (see {@link queryAll}). Throws {@link SparkflyNotFoundError} when
   * none matches (an empty page or a 404 alike).
   */
  async query(params: QueryOfferStateParams, options?: RequestOptions): Promise<OfferState> {
    const [first] = await this.queryAll(params, options)
    if (!first)
      throw new SparkflyNotFoundError('No offer state matches the query', { operation: 'offerStates.query' })
    return first
  }

  /** PUT /members/{member_id}/offer_states/{id}: sets the given fields. Idempotent. */
  update(
    memberId: SparkflyId,
    id: SparkflyId,
    update: OfferStateUpdate,
    options?: RequestOptions,
  ): Promise<OfferState> {
    return this.call('offerStates.update', { params: { member_id: memberId, id }, body: update }, options)
  }

  /**
   * POST /members/{member_id}/offer_states/{id}: redeems the offer state. Sparkfly describes this call as an
   * update through a POST, so the body is always an `offer_state_update` with `status: "redeemed"` (plus any
   * other fields given): it redeems whether the endpoint applies the body or redeems on any POST. Unsafe;
   * redeeming twice answers 422 "Offer State already redeemed".
   */
  redeem(
    memberId: SparkflyId,
    id: SparkflyId,
    update?: OfferStateUpdate,
    options?: RequestOptions,
  ): Promise<OfferState> {
    return this.call('offerStates.redeem', { params: { member_id: memberId, id }, body: update }, options)
  }

  /**
   * POST /members/{member_id}/offer_states/{id}/void. Sparkfly answers 200 with no body. Unsafe; voiding twice
   * answers 422 (`SparkflyConflictError`, conflict `already_voided`).
   */
  void(memberId: SparkflyId, id: SparkflyId, options?: RequestOptions): Promise<void> {
    return this.call('offerStates.void', { params: { member_id: memberId, id } }, options)
  }

  /** POST /members/offer_states/{id}/void?member_identifier=...: void by the member's external identifier. Unsafe. */
  voidByMemberIdentifier(id: SparkflyId, memberIdentifier: string, options?: RequestOptions): Promise<void> {
    return this.call(
      'offerStates.voidByMemberIdentifier',
      { params: { id }, query: { member_identifier: memberIdentifier } },
      options,
    )
  }
}
