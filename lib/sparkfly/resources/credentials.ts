import type { RequestOptions, SparkflyRequester } from '../request'
import { type OperationCaller, operationCaller } from '../resource'
import type { SparkflyId } from '../validation'
import type {
  CreateCredentialParams,
  Credential,
  CredentialEligibility,
  CredentialInput,
  CredentialList,
  ListCredentialsParams,
} from './credentialSchemas'

export type {
  CreateCredentialParams,
  Credential,
  CredentialEligibility,
  CredentialInput,
  CredentialList,
  CredentialStatus,
  ListCredentialsParams,
} from './credentialSchemas'

/** Is `result` the last page of a walk that asked for `perPage` items a page? */
function isLastPage(result: CredentialList, page: number, perPage: number | undefined): boolean {
  if (result.credentials.length === 0) return true
  if (typeof result.total_pages === 'number') return page >= result.total_pages
  const size = result.per_page ?? perPage
  return typeof size === 'number' && result.credentials.length < size
}

/**
 * `client.credentials`: the 8 credential operations (`/credentials`), each declared in `operations.ts`.
 * Unsafe ones (create, redeem, void) are never replayed after an outcome Sparkfly may have acted on.
 *
 * @example
 * ```ts
 * const credential = await client.credentials.create({ member_id: 123, offer_id: 1701, channel_id: 456 })
 * await client.credentials.redeem(credential.id)
 * for await (const c of client.credentials.listAll({ member_id: 123 })) console.log(c.identifier)
 * ```
 */
export class CredentialsResource {
  private readonly call: OperationCaller

  constructor(request: SparkflyRequester) {
    this.call = operationCaller(request)
  }

  /** POST /credentials. Unsafe. */
  create(params: CreateCredentialParams, options?: RequestOptions): Promise<Credential> {
    return this.call('credentials.create', { body: params }, options)
  }

  /** GET /credentials/{id}. */
  get(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.call('credentials.get', { params: { id } }, options)
  }

  /** GET /credentials with optional `member_id` / `offer_id` / `store_id` filters and paging. */
  list(params: ListCredentialsParams = {}, options?: RequestOptions): Promise<CredentialList> {
    return this.call('credentials.list', { query: params }, options)
  }

  /**
   * Every credential matching `filters`, page after page (from `filters.page`, default 1) until the last
   * page (`total_pages`), a short page or an empty page.
   *
   * @example
   * ```ts
   * for await (const credential of client.credentials.listAll({ offer_id: 1701, per_page: 100 })) { ... }
   * ```
   */
  async *listAll(filters: ListCredentialsParams = {}, options?: RequestOptions): AsyncGenerator<Credential> {
    for (let page = filters.page ?? 1; ; page += 1) {
      const result = await this.list({ ...filters, page }, options)
      yield* result.credentials
      if (isLastPage(result, page, filters.per_page ?? undefined)) return
    }
  }

  /** PUT /credentials/{id}: replaces the given fields. Idempotent. */
  update(id: SparkflyId, changes: CredentialInput, options?: RequestOptions): Promise<Credential> {
    return this.call('credentials.update', { params: { id }, body: changes }, options)
  }

  /** DELETE /credentials/{id}. Returns the deleted credential. */
  delete(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.call('credentials.delete', { params: { id } }, options)
  }

  /**
   * PUT /credentials/{id}/redeem. Unsafe; a second redeem answers 422 "Credential already redeemed"
   * (`SparkflyConflictError`, conflict `already_redeemed`).
   */
  redeem(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.call('credentials.redeem', { params: { id } }, options)
  }

  /** PUT /credentials/{id}/void. Unsafe; voiding twice is a conflict. */
  void(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.call('credentials.void', { params: { id } }, options)
  }

  /** GET /credentials/eligible?member_id&offer_id: can this member get a credential for this offer? */
  eligibility(
    memberId: SparkflyId,
    offerId: SparkflyId,
    options?: RequestOptions,
  ): Promise<CredentialEligibility> {
    return this.call(
      'credentials.eligibility',
      { query: { member_id: memberId, offer_id: offerId } },
      options,
    )
  }
}
