import { SparkflyInvalidArgumentError } from './errors'

/** An integer Sparkfly id: a positive safe integer, or a string of digits. */
export type SparkflyId = number | string

const DIGITS = /^[0-9]+$/

/**
 * Validates an integer id (credential, member, offer, offer state, store) and returns it as a decimal
 * string. Rejects empty values, signs, decimals, `../` and anything that is not digits, and zero.
 *
 * @throws {SparkflyInvalidArgumentError} before any request is sent.
 */
export function integerId(name: string, value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return String(value)
    throw new SparkflyInvalidArgumentError(name, `${name} must be a positive integer`)
  }
  if (typeof value === 'string' && DIGITS.test(value) && value.length <= 19 && /[1-9]/.test(value)) {
    return value.replace(/^0+(?=\d)/, '')
  }
  throw new SparkflyInvalidArgumentError(name, `${name} must be a positive integer (digits only)`)
}

/** Validates an optional integer id (query filters): `undefined` stays `undefined`. */
export function optionalIntegerId(name: string, value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : integerId(name, value)
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}

/**
 * Validates a free-text reference (member identifier, osid token, credential identifier, external ref id,
 * channel id): a non-empty string (or a number) without control characters, at most 512 characters.
 */
export function textArgument(name: string, value: unknown): string {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value
  if (
    typeof text === 'string' &&
    text.trim().length > 0 &&
    text.length <= 512 &&
    !hasControlCharacter(text)
  ) {
    return text
  }
  throw new SparkflyInvalidArgumentError(name, `${name} must be a non-empty string`)
}

/** Validates an optional free-text reference. */
export function optionalTextArgument(name: string, value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : textArgument(name, value)
}

/** A request timestamp: an ISO-8601 string or a `Date`. */
export type DateInput = string | Date

/** Validates an optional timestamp and returns it as a string (`Date` -> ISO-8601). */
export function optionalDate(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString()
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value
  throw new SparkflyInvalidArgumentError(name, `${name} must be an ISO-8601 date-time or a valid Date`)
}

/** Validates an optional boolean. */
export function optionalBooleanArgument(name: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'boolean') return value
  throw new SparkflyInvalidArgumentError(name, `${name} must be a boolean`)
}

/** Validates an optional positive page number / page size. */
export function optionalPositiveInteger(name: string, value: unknown, max = 10_000): number | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0 && value <= max) return value
  throw new SparkflyInvalidArgumentError(name, `${name} must be an integer between 1 and ${max}`)
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
