import * as z from '../../validation/zod'
import { lazy, responseFields, unwrapped } from '../schemas'
import { args, optional } from '../validation'

/**
 * The zod schemas of the credential operations (`/credentials`): caller arguments (validated and turned into
 * the wire form) and answers (loose: unknown fields pass through). Built on first use.
 */
export const credentialSchemas = lazy(() => {
  const f = responseFields()
  const credential = z.looseObject({
    id: f.id,
    /** The code entered or scanned at the point of sale (null until an offer is attached). */
    identifier: f.optionalString,
    member_id: f.optionalId,
    offer_id: f.optionalId,
    offer_ids: z.nullish(z.array(f.id)),
    channel_id: f.optionalId,
    store_id: f.optionalId,
    account_id: f.optionalId,
    merchant_id: f.optionalId,
    status: f.optionalString,
    redeemed_at: f.optionalString,
    voided_at: f.optionalString,
    created_at: f.optionalString,
    updated_at: f.optionalString,
    /** A JSON object (offer-states description) or text (the platform's `credential` schema types it a string). */
    annotations: z.nullish(z.union([z.string(), z.record(z.string(), z.unknown())])),
    code_lifetime: f.optionalInteger,
    supports_barcode: f.optionalBoolean,
    reusable: f.optionalBoolean,
    offer_name: f.optionalString,
    merchant_name: f.optionalString,
    location_address: f.optionalString,
    url: f.optionalString,
  })

  const inputShape = {
    member_id: optional(args.idNumber()),
    offer_id: optional(args.idNumber()),
    /** Offers to attach (the credentials guide attaches several offers to one credential). */
    offer_ids: optional(z.array(args.idNumber())),
    channel_id: optional(args.idNumber()),
    store_id: optional(args.idNumber()),
    reusable: optional(args.boolean()),
    /** Free key/value data kept on the credential (e.g. `conv_ids` for channel callbacks). */
    annotations: optional(z.record(z.string(), z.string())),
  }
  const createInput = z.object({ ...inputShape, printable: optional(args.boolean()) })
  const id = args.id()
  return {
    credential,
    list: z.looseObject({ ...f.page, credentials: z.array(unwrapped('credential', credential)) }),
    eligibility: z.looseObject({ is_eligible: z.boolean(), status: f.optionalString }),
    /** `credential_request` of POST /credentials: `{credential, printable?}`. */
    createBody: z.pipe(
      createInput,
      z.transform(({ printable, ...credential }) =>
        printable === undefined ? { credential } : { credential, printable },
      ),
    ),
    /** Body of PUT /credentials/{id}: `{credential}`. */
    updateBody: z.pipe(
      z.object(inputShape),
      z.transform((credential) => ({ credential })),
    ),
    id: z.object({ id }),
    listQuery: z.object({
      member_id: optional(id),
      offer_id: optional(id),
      store_id: optional(id),
      /** 1-based page number. */
      page: optional(args.page()),
      per_page: optional(args.page()),
    }),
    eligibilityQuery: z.object({ member_id: id, offer_id: id }),
  }
})

type Schemas = ReturnType<typeof credentialSchemas>

/**
 * Credential status: `open` for a new credential (Sparkfly's guide); neither description lists the others.
 * `redeemed_at` / `voided_at` (documented) say whether it was used; other values pass through.
 */
export type CredentialStatus = 'open' | 'redeemed' | 'voided' | (string & {})

/**
 * A credential: a code (`identifier`) a member presents at the till to redeem one or more offers.
 * Fields not listed are kept as Sparkfly sent them.
 */
export type Credential = z.output<Schemas['credential']>

/** One page of credentials. */
export type CredentialList = z.output<Schemas['list']>

/** Whether a member may receive a credential for an offer. */
export type CredentialEligibility = z.output<Schemas['eligibility']>

/** Fields of a credential to update (`credential_input`). */
export type CredentialInput = z.input<Schemas['updateBody']>

/** {@link CredentialInput} plus the request-level `printable` flag. */
export type CreateCredentialParams = z.input<Schemas['createBody']>

/** Filters and paging of `client.credentials.list`. */
export type ListCredentialsParams = z.input<Schemas['listQuery']>
