import * as z from '../validation/zod'
import { SparkflyInvalidArgumentError } from './errors'

/** An integer Sparkfly id: a positive safe integer, or a string of digits. */
export type SparkflyId = number | string

/** A request timestamp: an ISO-8601 string or a `Date`. */
export type DateInput = string | Date

const DIGITS = /^[0-9]+$/
const MAX_TEXT = 512
const MAX_PAGE = 10_000

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/** A positive integer id as a decimal string without leading zeros, or `undefined` when invalid. */
function normalizeId(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? String(value) : undefined
  if (typeof value === 'string' && DIGITS.test(value) && value.length <= 19 && /[1-9]/.test(value)) {
    return value.replace(/^0+(?=\d)/, '')
  }
  return undefined
}

/** Non-empty text (or a finite number) of at most 512 characters without control characters. */
function normalizeText(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  const ok =
    typeof text === 'string' &&
    text.trim().length > 0 &&
    text.length <= MAX_TEXT &&
    !hasControlCharacter(text)
  return ok ? text : undefined
}

/** An ISO-8601 string as given, a valid `Date` as ISO-8601. */
function normalizeDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
  return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? value : undefined
}

const normalizeBoolean = (value: unknown) => (typeof value === 'boolean' ? value : undefined)

const normalizePage = (value: unknown) =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= MAX_PAGE
    ? value
    : undefined

/**
 * A zod schema for one caller argument typed `In`: `normalize` returns the wire value, or `undefined` for an
 * invalid one, which becomes an issue reading `message` (the request layer turns the first issue into a
 * {@link SparkflyInvalidArgumentError} naming the argument).
 */
function argument<In, Out>(normalize: (value: unknown) => Out | undefined, message: string) {
  return z.pipe(
    z.custom<In>(),
    z.transform((value: In, context) => {
      const out = normalize(value)
      if (out !== undefined) return out
      context.issues.push({ code: 'custom', message, input: value })
      return z.NEVER
    }),
  )
}

/** Makes an argument optional: `undefined` and `null` both mean "not given" and become `undefined`. */
export function optional<S extends z.core.$ZodType>(schema: S) {
  return z.pipe(
    z.nullish(schema),
    z.transform((value: z.output<S> | null | undefined) => value ?? undefined),
  )
}

/**
 * Argument schemas (built on demand by the operation table, never at module load). Each rejects what the old
 * hand-written validators rejected: empty values, signs, decimals, zero, `../` and anything not digits for
 * ids; control characters and more than 512 characters for text.
 */
export const args = {
  /** Integer id (credential, member, offer, offer state, store) as a decimal string, for paths and queries. */
  id: () => argument<SparkflyId, string>(normalizeId, 'must be a positive integer (digits only)'),
  /** Integer id as a JSON number, for bodies. */
  idNumber: () =>
    argument<SparkflyId, number>((value) => {
      const id = normalizeId(value)
      return id === undefined ? undefined : Number(id)
    }, 'must be a positive integer (digits only)'),
  /** Free-text reference (member identifier, osid, credential identifier, external ref id, channel id). */
  text: () => argument<string | number, string>(normalizeText, 'must be a non-empty string'),
  /** Timestamp: ISO-8601 string or `Date`, sent as ISO-8601. */
  date: () => argument<DateInput, string>(normalizeDate, 'must be an ISO-8601 date-time or a valid Date'),
  /** Boolean flag. */
  boolean: () => argument<boolean, boolean>(normalizeBoolean, 'must be a boolean'),
  /** Page number or page size. */
  page: () => argument<number, number>(normalizePage, `must be an integer between 1 and ${MAX_PAGE}`),
}

/**
 * Parses caller arguments with `schema`. The first problem throws {@link SparkflyInvalidArgumentError} naming
 * the argument (its dotted path, or `section` for the whole value), before any request is sent.
 */
export function parseArguments<T>(schema: z.core.$ZodType<T>, value: unknown, section: string): T {
  const result = z.safeParse(schema, value)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const name = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : section
  throw new SparkflyInvalidArgumentError(name, `${name}: ${issue?.message ?? 'invalid'}`)
}

/**
 * Fills a path template (`/members/{member_id}/offer_states/{id}`) with already validated values,
 * each passed through `encodeURIComponent`.
 */
export function fillPath(template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{([a-z_]+)\}/g, (_match, key: string) => {
    const value = params[key]
    if (value === undefined) throw new SparkflyInvalidArgumentError(key, `${key} is required`)
    return encodeURIComponent(value)
  })
}

/** Joins a base URL (which may carry a path such as `/v1.0`) and a filled path, and adds the query. */
export function buildUrl(
  baseUrl: string,
  path: string,
  query: Readonly<Record<string, string | number | boolean | undefined>> = {},
): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}${path}`)
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value))
  }
  return url.toString()
}
