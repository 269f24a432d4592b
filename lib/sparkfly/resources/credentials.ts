import * as z from '../../validation/zod'
import { SparkflyInvalidArgumentError } from '../errors'
import { jsonBody, type RequestOptions, type SparkflyRequester } from '../request'
import {
  optionalBoolean,
  optionalIdSchema,
  optionalInteger,
  optionalString,
  pageFields,
  responseIdSchema,
  type SparkflyPage,
  unwrapped,
} from '../schemas'
import {
  integerId,
  optionalBooleanArgument,
  optionalIntegerId,
  optionalPositiveInteger,
  type SparkflyId,
} from '../validation'

// ---------------------------------------------------------------------------------------------------
// Types

/** Credential status. The sandbox reports `active` / `redeemed` / `voided`; other values pass through. */
export type CredentialStatus = 'active' | 'redeemed' | 'voided' | (string & {})

/**
 * A credential: a code (`identifier`) a member presents at the till to redeem one or more offers.
 * Fields not listed here are kept as Sparkfly sent them.
 */
export interface Credential {
  id: number
  /** The code entered or scanned at the point of sale (null until an offer is attached). */
  identifier?: string | null
  member_id?: number | null
  offer_id?: number | null
  offer_ids?: number[] | null
  channel_id?: number | null
  store_id?: number | null
  account_id?: number | null
  merchant_id?: number | null
  status?: CredentialStatus | null
  redeemed_at?: string | null
  voided_at?: string | null
  created_at?: string | null
  updated_at?: string | null
  annotations?: unknown
  code_lifetime?: number | null
  supports_barcode?: boolean | null
  reusable?: boolean | null
  offer_name?: string | null
  merchant_name?: string | null
  location_address?: string | null
  url?: string | null
  [field: string]: unknown
}

/** Fields of a credential to create or update (`credential_input`). */
export interface CredentialInput {
  member_id?: SparkflyId
  offer_id?: SparkflyId
  /** Offers to attach (the credentials guide attaches several offers to one credential). */
  offer_ids?: SparkflyId[]
  channel_id?: SparkflyId
  store_id?: SparkflyId
  reusable?: boolean
  /** Free key/value data kept on the credential (e.g. `conv_ids` for channel callbacks). */
  annotations?: Record<string, string>
}

/** {@link CredentialInput} plus the request-level `printable` flag. */
export interface CreateCredentialParams extends CredentialInput {
  printable?: boolean
}

/** Filters and paging of {@link CredentialsResource.list}. */
export interface ListCredentialsParams {
  member_id?: SparkflyId
  offer_id?: SparkflyId
  store_id?: SparkflyId
  /** 1-based page number. */
  page?: number
  per_page?: number
}

/** One page of credentials. */
export interface CredentialList extends SparkflyPage {
  credentials: Credential[]
  [field: string]: unknown
}

/** Whether a member may receive a credential for an offer. */
export interface CredentialEligibility {
  is_eligible: boolean
  status?: string | null
  [field: string]: unknown
}

// ---------------------------------------------------------------------------------------------------
// Response schemas (loose: unknown fields pass through)

const credentialSchema = z.looseObject({
  id: responseIdSchema,
  identifier: optionalString,
  member_id: optionalIdSchema,
  offer_id: optionalIdSchema,
  offer_ids: z.nullish(z.array(responseIdSchema)),
  channel_id: optionalIdSchema,
  store_id: optionalIdSchema,
  account_id: optionalIdSchema,
  merchant_id: optionalIdSchema,
  status: optionalString,
  redeemed_at: optionalString,
  voided_at: optionalString,
  created_at: optionalString,
  updated_at: optionalString,
  annotations: z.optional(z.unknown()),
  code_lifetime: optionalInteger,
  supports_barcode: optionalBoolean,
  reusable: optionalBoolean,
  offer_name: optionalString,
  merchant_name: optionalString,
  location_address: optionalString,
  url: optionalString,
})

/** `credential_response`: `{"credential": {...}, "errors": {}}`, unwrapped. */
export const credentialResponseSchema: z.ZodMiniType<Credential> = z.pipe(
  z.looseObject({ credential: credentialSchema }),
  z.transform((body) => body.credential),
)

/** `credential_list`: paging fields plus `credentials` (items wrapped or bare). */
export const credentialListSchema: z.ZodMiniType<CredentialList> = z.looseObject({
  ...pageFields,
  credentials: z.array(unwrapped('credential', credentialSchema)),
})

/** `credential_eligibility_response`. */
export const credentialEligibilitySchema: z.ZodMiniType<CredentialEligibility> = z.looseObject({
  is_eligible: z.boolean(),
  status: optionalString,
})

// ---------------------------------------------------------------------------------------------------
// Resource

function credentialBody(input: CreateCredentialParams, allowPrintable: boolean): Record<string, unknown> {
  if (typeof input !== 'object' || input === null) {
    throw new SparkflyInvalidArgumentError('credential', 'credential must be an object')
  }
  const asNumber = (name: string, value: unknown) => {
    const id = optionalIntegerId(name, value)
    return id === undefined ? undefined : Number(id)
  }
  if (input.offer_ids !== undefined && !Array.isArray(input.offer_ids)) {
    throw new SparkflyInvalidArgumentError('offer_ids', 'offer_ids must be an array of ids')
  }
  if (
    input.annotations !== undefined &&
    (typeof input.annotations !== 'object' || input.annotations === null)
  ) {
    throw new SparkflyInvalidArgumentError('annotations', 'annotations must be an object')
  }
  const credential = {
    member_id: asNumber('member_id', input.member_id),
    offer_id: asNumber('offer_id', input.offer_id),
    offer_ids: input.offer_ids?.map((id, index) => Number(integerId(`offer_ids[${index}]`, id))),
    channel_id: asNumber('channel_id', input.channel_id),
    store_id: asNumber('store_id', input.store_id),
    reusable: optionalBooleanArgument('reusable', input.reusable),
    annotations: input.annotations,
  }
  const printable = allowPrintable ? optionalBooleanArgument('printable', input.printable) : undefined
  return printable === undefined ? { credential } : { credential, printable }
}

/**
 * `client.credentials`: the 8 credential operations (`/credentials`).
 *
 * @example
 * ```ts
 * const credential = await client.credentials.create({ member_id: 123, offer_id: 1701, channel_id: 456 })
 * await client.credentials.redeem(credential.id)
 * for await (const c of client.credentials.listAll({ member_id: 123 })) console.log(c.identifier)
 * ```
 */
export class CredentialsResource {
  constructor(private readonly request: SparkflyRequester) {}

  /** POST /credentials. Not replayed after an ambiguous failure (see `operations.ts`). */
  async create(params: CreateCredentialParams, options?: RequestOptions): Promise<Credential> {
    return this.request(
      {
        operation: 'credentials.create',
        body: credentialBody(params, true),
        parse: jsonBody(credentialResponseSchema),
      },
      options,
    )
  }

  /** GET /credentials/{id}. */
  async get(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.request(
      {
        operation: 'credentials.get',
        params: { id: integerId('id', id) },
        parse: jsonBody(credentialResponseSchema),
      },
      options,
    )
  }

  /** GET /credentials with optional `member_id` / `offer_id` / `store_id` filters and paging. */
  async list(params: ListCredentialsParams = {}, options?: RequestOptions): Promise<CredentialList> {
    const query = {
      member_id: optionalIntegerId('member_id', params.member_id),
      offer_id: optionalIntegerId('offer_id', params.offer_id),
      store_id: optionalIntegerId('store_id', params.store_id),
      page: optionalPositiveInteger('page', params.page),
      per_page: optionalPositiveInteger('per_page', params.per_page),
    }
    return this.request(
      { operation: 'credentials.list', query, parse: jsonBody(credentialListSchema) },
      options,
    )
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
    let page = optionalPositiveInteger('page', filters.page) ?? 1
    for (;;) {
      const result = await this.list({ ...filters, page }, options)
      yield* result.credentials
      const perPage = result.per_page ?? filters.per_page
      const last =
        result.credentials.length === 0 ||
        (typeof result.total_pages === 'number' ? page >= result.total_pages : false) ||
        (typeof result.total_pages !== 'number' &&
          typeof perPage === 'number' &&
          result.credentials.length < perPage)
      if (last) return
      page += 1
    }
  }

  /** PUT /credentials/{id}: replaces the given fields. Idempotent. */
  async update(id: SparkflyId, changes: CredentialInput, options?: RequestOptions): Promise<Credential> {
    return this.request(
      {
        operation: 'credentials.update',
        params: { id: integerId('id', id) },
        body: credentialBody(changes, false),
        parse: jsonBody(credentialResponseSchema),
      },
      options,
    )
  }

  /** DELETE /credentials/{id}. Returns the deleted credential. */
  async delete(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.request(
      {
        operation: 'credentials.delete',
        params: { id: integerId('id', id) },
        parse: jsonBody(credentialResponseSchema),
      },
      options,
    )
  }

  /**
   * PUT /credentials/{id}/redeem. Not replayed after an ambiguous failure; a second redeem answers 422
   * "Credential already redeemed" (`SparkflyConflictError`, conflict `already_redeemed`).
   */
  async redeem(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.request(
      {
        operation: 'credentials.redeem',
        params: { id: integerId('id', id) },
        parse: jsonBody(credentialResponseSchema),
      },
      options,
    )
  }

  /** PUT /credentials/{id}/void. Not replayed after an ambiguous failure; voiding twice is a conflict. */
  async void(id: SparkflyId, options?: RequestOptions): Promise<Credential> {
    return this.request(
      {
        operation: 'credentials.void',
        params: { id: integerId('id', id) },
        parse: jsonBody(credentialResponseSchema),
      },
      options,
    )
  }

  /** GET /credentials/eligible?member_id&offer_id: can this member get a credential for this offer? */
  async eligibility(
    memberId: SparkflyId,
    offerId: SparkflyId,
    options?: RequestOptions,
  ): Promise<CredentialEligibility> {
    const query = { member_id: integerId('memberId', memberId), offer_id: integerId('offerId', offerId) }
    return this.request(
      { operation: 'credentials.eligibility', query, parse: jsonBody(credentialEligibilitySchema) },
      options,
    )
  }
}
