import * as z from '../validation/zod'
import { type FieldProblem, InvalidRedemptionRequest } from './errors'

/** Limits of the redemption body (contracts §3). */
export const RedemptionLimits = {
  codeMaxLength: 64,
  transactionIdMaxLength: 128,
  storeIdMaxLength: 64,
  /** A `redeemedAt` further in the future than this is refused (clock skew allowance). */
  redeemedAtMaxFutureMs: 5 * 60 * 1000,
} as const

/** A validated redemption request. Ids are strings (Sparkfly ids as strings of digits, like the ledger). */
export interface RedemptionRequest {
  /** The credential identifier scanned at the till. */
  code: string
  /** The POS's own transaction id. */
  transactionId: string
  storeId?: string
  memberId?: string
  /** When the till redeemed it (ISO-8601), if the POS says so. */
  redeemedAt?: string
}

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]*$/
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/
const MEMBER_ID = /^[1-9][0-9]{0,15}$/

const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : what

const codeSchema = z
  .string({ error: required('must be a string') })
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(
      RedemptionLimits.codeMaxLength,
      `must be at most ${RedemptionLimits.codeMaxLength} characters`,
    ),
    z.regex(
      CODE,
      "may only contain letters, digits, '-' and '_' (no spaces), starting with a letter or digit",
    ),
  )

const referenceSchema = (max: number) =>
  z
    .string()
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(max, `must be at most ${max} characters`),
      z.regex(
        REFERENCE,
        "may only contain letters, digits, '.', '_', ':' and '-', starting with a letter or digit",
      ),
    )

const STORE_ID_PROBLEM =
  'must be a non-negative integer or a string of letters, digits, ".", "_", ":" and "-"'
const MEMBER_ID_PROBLEM = 'must be the Sparkfly member id, a positive integer'

const schema = z.strictObject(
  {
    code: codeSchema,
    transactionId: z.pipe(
      z.string({ error: required('must be a string') }),
      referenceSchema(RedemptionLimits.transactionIdMaxLength),
    ),
    storeId: z.optional(
      z.pipe(
        z.union(
          [
            z
              .number()
              .check(
                z.int(STORE_ID_PROBLEM),
                z.nonnegative(STORE_ID_PROBLEM),
                z.maximum(Number.MAX_SAFE_INTEGER, STORE_ID_PROBLEM),
              ),
            z.pipe(z.string(), referenceSchema(RedemptionLimits.storeIdMaxLength)),
          ],
          { error: STORE_ID_PROBLEM },
        ),
        z.transform((value: number | string) => String(value)),
      ),
    ),
    memberId: z.optional(
      z.pipe(
        z.union(
          [
            z
              .number()
              .check(
                z.int(MEMBER_ID_PROBLEM),
                z.positive(MEMBER_ID_PROBLEM),
                z.maximum(Number.MAX_SAFE_INTEGER, MEMBER_ID_PROBLEM),
              ),
            z.string().check(z.regex(MEMBER_ID, MEMBER_ID_PROBLEM)),
          ],
          { error: MEMBER_ID_PROBLEM },
        ),
        z.transform((value: number | string) => String(value)),
      ),
    ),
    redeemedAt: z.optional(
      z.iso.datetime({
        offset: true,
        error: 'must be an ISO-8601 date-time with a time zone, e.g. 2025-01-31T14:05:00Z',
      }),
    ),
  },
  { error: 'must be a JSON object' },
)

/** Field names only ever echoed in a safe, short form (unknown keys come from the caller). */
const safeName = (name: string) => name.slice(0, 40).replace(/[^A-Za-z0-9_-]/g, '?')

function problemsOf(error: z.core.$ZodError): FieldProblem[] {
  const problems: FieldProblem[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys.slice(0, 5))
        problems.push({ field: safeName(key), problem: 'is not a known field' })
      continue
    }
    const field =
      issue.path.length === 0 ? 'body' : issue.path.map((part) => safeName(String(part))).join('.')
    if (!problems.some((p) => p.field === field)) problems.push({ field, problem: issue.message })
  }
  return problems
}

/**
 * Validates a parsed redemption body (contracts §3) and normalises ids to strings.
 *
 * @throws {InvalidRedemptionRequest} naming each invalid field and why.
 * @example
 * const request = parseRedemptionRequest({ code: 'K7Q2M9XR4T', transactionId: 'T-1001', memberId: 42 })
 */
export function parseRedemptionRequest(body: unknown, now: Date = new Date()): RedemptionRequest {
  const result = schema.safeParse(body)
  if (!result.success) throw new InvalidRedemptionRequest(problemsOf(result.error))
  const { redeemedAt, ...rest } = result.data
  const request: RedemptionRequest = { code: rest.code, transactionId: rest.transactionId }
  if (rest.storeId !== undefined) request.storeId = rest.storeId
  if (rest.memberId !== undefined) request.memberId = rest.memberId
  if (redeemedAt !== undefined) {
    const at = new Date(redeemedAt)
    if (at.getTime() > now.getTime() + RedemptionLimits.redeemedAtMaxFutureMs) {
      throw new InvalidRedemptionRequest([
        { field: 'redeemedAt', problem: 'is in the future; check the POS clock' },
      ])
    }
    request.redeemedAt = at.toISOString()
  }
  return request
}
