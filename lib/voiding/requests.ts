import * as z from '../validation/zod'
import { VoidLimits, type VoidTarget } from './types'

/** One problem with one field of a request. */
export interface FieldIssue {
  /** Dotted path, e.g. `target.memberId`, or `body` for the whole body. */
  field: string
  message: string
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] }

const required =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${expected}`

/**
 * Reports a problem from inside a transform, as classic zod's `ctx.addIssue` did (the zod/mini transform
 * context is the parse payload, without `addIssue`). Parents prefix `path` with where the value sits.
 */
function addIssue(payload: z.core.ParsePayload, issue: { message: string; path?: PropertyKey[] }): void {
  payload.issues.push({ code: 'custom', input: payload.value, ...issue })
}

/** A Sparkfly id: a positive integer, as a number or a string of digits; kept as a canonical string. */
export const sparkflyIdSchema = z.pipe(
  z.union([z.number(), z.string()], { error: required('a positive integer id') }),
  z.transform((value, ctx) => {
    const text = typeof value === 'number' ? String(value) : value.trim()
    const number = Number(text)
    if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(number) || number <= 0) {
      addIssue(ctx, { message: 'must be a positive integer id' })
      return z.NEVER
    }
    return String(number)
  }),
)

/** Why the offer is voided: required, trimmed, 1 to 500 characters. */
export const reasonSchema = z
  .string({ error: required('a string') })
  .check(
    z.trim(),
    z.minLength(1, 'must not be empty'),
    z.maxLength(VoidLimits.reasonMaxLength, `must be at most ${VoidLimits.reasonMaxLength} characters`),
  )

/**
 * The characters of a code, as the POS webhook accepts them: ASCII letters and digits, then also `_` and `-`. No
 * Unicode normalisation is applied, so look-alikes (full-width letters, the Kelvin sign) are refused, not folded.
 */
export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

/** A credential identifier as scanned at the till (trimmed; {@link CODE_PATTERN}). */
export const codeSchema = z
  .string({ error: required('a string') })
  .check(
    z.trim(),
    z.minLength(1, 'must not be empty'),
    z.maxLength(VoidLimits.codeMaxLength, `must be at most ${VoidLimits.codeMaxLength} characters`),
    z.regex(CODE_PATTERN, 'must be ASCII letters and digits, "_" or "-", starting with a letter or digit'),
  )

export const memberIdentifierSchema = z
  .string({ error: required('a string') })
  .check(
    z.trim(),
    z.minLength(1, 'must not be empty'),
    z.maxLength(
      VoidLimits.memberIdentifierMaxLength,
      `must be at most ${VoidLimits.memberIdentifierMaxLength} characters`,
    ),
  )

const requestIdSchema = z.pipe(
  z.pipe(
    z.union([z.string(), z.number()], { error: required('a string') }),
    z.transform((value) => String(value).trim()),
  ),
  z
    .string()
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(
        VoidLimits.requestIdMaxLength,
        `must be at most ${VoidLimits.requestIdMaxLength} characters`,
      ),
    ),
)

/** The member half of an offer-state target: exactly one of `memberId` / `memberIdentifier`. */
const memberFields = {
  memberId: z.optional(sparkflyIdSchema),
  memberIdentifier: z.optional(memberIdentifierSchema),
}

function checkOneMember(
  value: { memberId?: string; memberIdentifier?: string },
  ctx: z.core.$RefinementCtx<{ memberId?: string; memberIdentifier?: string }>,
) {
  if (value.memberId !== undefined && value.memberIdentifier !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['memberIdentifier'],
      message: 'give memberId or memberIdentifier, not both',
    })
  } else if (value.memberId === undefined && value.memberIdentifier === undefined) {
    ctx.addIssue({ code: 'custom', path: ['memberId'], message: 'is required (or memberIdentifier)' })
  }
}

const offerStateTargetSchema = z.pipe(
  z.strictObject({ offerStateId: sparkflyIdSchema, ...memberFields }).check(z.superRefine(checkOneMember)),
  z.transform(
    ({ offerStateId, memberId, memberIdentifier }): VoidTarget =>
      memberId !== undefined
        ? { offerStateId, memberId }
        : { offerStateId, memberIdentifier: memberIdentifier ?? '' },
  ),
)
const credentialTargetSchema = z.strictObject({ credentialId: sparkflyIdSchema })
const codeTargetSchema = z.strictObject({ code: codeSchema })

/**
 * A void target in a bulk message: `{offerStateId, memberId}`, `{offerStateId, memberIdentifier}`, `{credentialId}`
 * or `{code}`. The field that names the kind picks the shape; any other field is refused (an ambiguous target could
 * void the wrong offer).
 */
export const voidTargetSchema: z.ZodMiniType<VoidTarget> = z.pipe(
  z.unknown(),
  z.transform((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      addIssue(ctx, { message: value === undefined ? 'is required' : 'must be an object' })
      return z.NEVER
    }
    const schema =
      'code' in value
        ? codeTargetSchema
        : 'credentialId' in value
          ? credentialTargetSchema
          : 'offerStateId' in value
            ? offerStateTargetSchema
            : undefined
    if (!schema) {
      addIssue(ctx, {
        message: 'must name offerStateId (with memberId or memberIdentifier), credentialId or code',
      })
      return z.NEVER
    }
    const parsed = z.safeParse(schema, value)
    if (parsed.success) return parsed.data as VoidTarget
    for (const issue of fieldIssues(parsed.error)) {
      addIssue(ctx, { path: issue.field === 'body' ? [] : issue.field.split('.'), message: issue.message })
    }
    return z.NEVER
  }),
)

/** A message of the bulk void queue. */
export interface VoidRequestMessage {
  requestId: string
  target: VoidTarget
  reason: string
}

/** The bulk queue's message body. Unknown top-level fields are ignored (producers may add their own metadata). */
export const voidRequestMessageSchema = z.looseObject({
  requestId: requestIdSchema,
  target: voidTargetSchema,
  reason: reasonSchema,
})

/** Body of `POST /staff/offer-states/{offerStateId}/void`. */
export const offerStateVoidBodySchema = z
  .strictObject({ ...memberFields, reason: reasonSchema })
  .check(z.superRefine(checkOneMember))

/** Body of `POST /staff/credentials/{credentialId}/void` and `POST /staff/codes/{code}/void`. */
export const reasonOnlyBodySchema = z.strictObject({ reason: reasonSchema })

/** Flattens zod issues to `{field, message}` pairs a caller can act on. */
export function fieldIssues(error: z.core.$ZodError, prefix: string[] = []): FieldIssue[] {
  const out: FieldIssue[] = []
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path.map(String)]
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: [...path, key].join('.'), message: 'is not allowed' })
    } else {
      out.push({ field: path.join('.') || 'body', message: issue.message })
    }
  }
  return out
}

/** Parses `value` with `schema` into a {@link Parsed} result; `value` must be a JSON object. */
export function parseWith<T>(schema: z.core.$ZodType<T>, value: unknown, prefix: string[] = []): Parsed<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, issues: [{ field: prefix.join('.') || 'body', message: 'must be a JSON object' }] }
  }
  const result = z.safeParse(schema, value)
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: fieldIssues(result.error, prefix) }
}

/** `field: message; field: message` */
export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')
}

/** What a staff request voids, as its path names it; each kind has its own path parameter. */
export const StaffTargetKind = {
  offerState: 'offerStateId',
  credential: 'credentialId',
  code: 'code',
} as const
export type StaffTargetKind = (typeof StaffTargetKind)[keyof typeof StaffTargetKind]

/** A validated staff void request. */
export interface StaffVoid {
  target: VoidTarget
  reason: string
}

/**
 * Validates a staff void request: the id (or code) from its path and its JSON body (`reason`, and for an offer state
 * exactly one of `memberId` / `memberIdentifier`). Answers every problem at once, each naming its field (the path
 * parameter is named as `kind`).
 *
 * @example
 * parseStaffVoid(StaffTargetKind.credential, '44', { reason: 'Duplicate' }) // { ok: true, value: { target: { credentialId: '44' }, ... } }
 */
export function parseStaffVoid(kind: StaffTargetKind, rawId: unknown, body: unknown): Parsed<StaffVoid> {
  const issues: FieldIssue[] = []
  const id = z.safeParse(kind === StaffTargetKind.code ? codeSchema : sparkflyIdSchema, rawId)
  if (!id.success) issues.push({ field: kind, message: id.error.issues[0]?.message ?? 'is invalid' })
  const parsed = parseWith(
    kind === StaffTargetKind.offerState ? offerStateVoidBodySchema : reasonOnlyBodySchema,
    body,
  )
  if (!parsed.ok) issues.push(...parsed.issues)
  if (!id.success || !parsed.ok) return { ok: false, issues }

  const { reason } = parsed.value
  if (kind === StaffTargetKind.credential)
    return { ok: true, value: { target: { credentialId: id.data }, reason } }
  if (kind === StaffTargetKind.code) return { ok: true, value: { target: { code: id.data }, reason } }
  const member = parsed.value as { memberId?: string; memberIdentifier?: string }
  const target: VoidTarget =
    member.memberId !== undefined
      ? { offerStateId: id.data, memberId: member.memberId }
      : { offerStateId: id.data, memberIdentifier: member.memberIdentifier ?? '' }
  return { ok: true, value: { target, reason } }
}
