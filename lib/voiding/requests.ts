import { z } from 'zod'
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

/** A Sparkfly id: a positive integer, as a number or a string of digits; kept as a canonical string. */
export const sparkflyIdSchema = z
  .union([z.number(), z.string()], { error: required('a positive integer id') })
  .transform((value, ctx) => {
    const text = typeof value === 'number' ? String(value) : value.trim()
    const number = Number(text)
    if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(number) || number <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a positive integer id' })
      return z.NEVER
    }
    return String(number)
  })

/** Why the offer is voided: required, trimmed, 1 to 500 characters. */
export const reasonSchema = z
  .string({ error: required('a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(VoidLimits.reasonMaxLength, `must be at most ${VoidLimits.reasonMaxLength} characters`)

/** A credential identifier as scanned at the till: visible ASCII, no spaces. */
export const codeSchema = z
  .string({ error: required('a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(VoidLimits.codeMaxLength, `must be at most ${VoidLimits.codeMaxLength} characters`)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')

export const memberIdentifierSchema = z
  .string({ error: required('a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(
    VoidLimits.memberIdentifierMaxLength,
    `must be at most ${VoidLimits.memberIdentifierMaxLength} characters`,
  )

const requestIdSchema = z
  .union([z.string(), z.number()], { error: required('a string') })
  .transform((value) => String(value).trim())
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(VoidLimits.requestIdMaxLength, `must be at most ${VoidLimits.requestIdMaxLength} characters`),
  )

/** The member half of an offer-state target: exactly one of `memberId` / `memberIdentifier`. */
const memberFields = {
  memberId: sparkflyIdSchema.optional(),
  memberIdentifier: memberIdentifierSchema.optional(),
}

function checkOneMember(value: { memberId?: string; memberIdentifier?: string }, ctx: z.RefinementCtx) {
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

const offerStateTargetSchema = z
  .strictObject({ offerStateId: sparkflyIdSchema, ...memberFields })
  .superRefine(checkOneMember)
  .transform(
    ({ offerStateId, memberId, memberIdentifier }): VoidTarget =>
      memberId !== undefined
        ? { offerStateId, memberId }
        : { offerStateId, memberIdentifier: memberIdentifier ?? '' },
  )
const credentialTargetSchema = z.strictObject({ credentialId: sparkflyIdSchema })
const codeTargetSchema = z.strictObject({ code: codeSchema })

/**
 * A void target in a bulk message: `{offerStateId, memberId}`, `{offerStateId, memberIdentifier}`, `{credentialId}`
 * or `{code}`. The field that names the kind picks the shape; any other field is refused (an ambiguous target could
 * void the wrong offer).
 */
export const voidTargetSchema: z.ZodType<VoidTarget> = z.unknown().transform((value, ctx) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: value === undefined ? 'is required' : 'must be an object' })
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
    ctx.addIssue({
      code: 'custom',
      message: 'must name offerStateId (with memberId or memberIdentifier), credentialId or code',
    })
    return z.NEVER
  }
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data as VoidTarget
  for (const issue of fieldIssues(parsed.error)) {
    ctx.addIssue({
      code: 'custom',
      path: issue.field === 'body' ? [] : issue.field.split('.'),
      message: issue.message,
    })
  }
  return z.NEVER
})

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
  .superRefine(checkOneMember)

/** Body of `POST /staff/credentials/{credentialId}/void` and `POST /staff/codes/{code}/void`. */
export const reasonOnlyBodySchema = z.strictObject({ reason: reasonSchema })

/** Flattens zod issues to `{field, message}` pairs a caller can act on. */
export function fieldIssues(error: z.ZodError, prefix: string[] = []): FieldIssue[] {
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
export function parseWith<T>(schema: z.ZodType<T>, value: unknown, prefix: string[] = []): Parsed<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, issues: [{ field: prefix.join('.') || 'body', message: 'must be a JSON object' }] }
  }
  const result = schema.safeParse(value)
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, issues: fieldIssues(result.error, prefix) }
}

/** `field: message; field: message` */
export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')
}
