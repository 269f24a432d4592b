import type { IncomingHttpHeaders } from 'node:http'
import { iso } from './clock'
import { FieldErrors } from './errors'
import type { SandboxReadings } from './profile'
import type { SandboxStore } from './store'
import type { Tokens } from './tokens'

/** What a resolver gets: the parsed request and the sandbox it runs against. */
export interface RequestContext {
  /** HTTP method of the request. */
  method: string
  params: Record<string, string>
  query: URLSearchParams
  /** Parsed JSON body, or undefined when the request had none. */
  body: unknown
  headers: IncomingHttpHeaders
  now: Date
  store: SandboxStore
  tokens: Tokens
  /** The account whose token authorised the call (0 for /auth, which needs none). */
  accountId: number
  /** The profile's readings of the points where the descriptions disagree. */
  readings: SandboxReadings
}

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** A JSON body written chunk by chunk as it is produced (the streamed report), instead of `body`. */
  stream?: Iterable<string>
}

export type Resolver = (ctx: RequestContext) => Reply

export const nowIso = (ctx: RequestContext): string => iso(ctx.now)

export const DEFAULT_PER_PAGE = 50
export const MAX_PER_PAGE = 5000

const DIGITS = /^\d{1,15}$/

/** A path id: digits only, else undefined (the caller answers 404). */
export function pathId(value: string | undefined): number | undefined {
  return value !== undefined && DIGITS.test(value) ? Number(value) : undefined
}

/** The object under `key` of a JSON body (`{"offer_state": {...}}`), or undefined. */
export function resource(body: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const value = (body as Record<string, unknown>)[key]
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/** Reads typed fields of a request, collecting one 400 `errors` body for everything wrong. */
export class Input {
  readonly errors = new FieldErrors()

  constructor(private readonly source: Record<string, unknown>) {}

  has(field: string): boolean {
    const value = this.source[field]
    return value !== undefined && value !== null && value !== ''
  }

  /** An integer given as a JSON number or a string of digits. */
  int(field: string, required = false): number | undefined {
    if (!this.has(field)) {
      if (required) this.errors.add(field, "can't be blank")
      return undefined
    }
    const value = this.source[field]
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value
    if (typeof value === 'string' && DIGITS.test(value)) return Number(value)
    this.errors.add(field, 'is not a valid integer')
    return undefined
  }

  /** A list of integers: a JSON array or a comma-separated string ("1011,1116"). */
  ints(field: string): number[] | undefined {
    if (!this.has(field)) return undefined
    const value = this.source[field]
    const parts = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [value]
    const out: number[] = []
    for (const part of parts) {
      const text = typeof part === 'number' ? String(part) : typeof part === 'string' ? part.trim() : ''
      if (!DIGITS.test(text)) {
        this.errors.add(field, 'must be a list of integers')
        return undefined
      }
      out.push(Number(text))
    }
    return out
  }

  string(field: string, required = false): string | undefined {
    if (!this.has(field)) {
      if (required) this.errors.add(field, "can't be blank")
      return undefined
    }
    const value = this.source[field]
    if (typeof value === 'string') return value
    if (typeof value === 'number') return String(value)
    this.errors.add(field, 'must be a string')
    return undefined
  }

  boolean(field: string): boolean | undefined {
    if (!this.has(field)) return undefined
    const value = this.source[field]
    if (typeof value === 'boolean') return value
    if (value === 'true' || value === 'false') return value === 'true'
    this.errors.add(field, 'must be true or false')
    return undefined
  }

  /** An ISO-8601 date-time, returned normalised (UTC). */
  time(field: string): string | undefined {
    const text = this.string(field)
    if (text === undefined) return undefined
    const date = new Date(text)
    if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(text)) {
      this.errors.add(field, 'is not a valid ISO-8601 date-time')
      return undefined
    }
    return iso(date)
  }

  object(field: string): Record<string, unknown> | undefined {
    if (!this.has(field)) return undefined
    const value = this.source[field]
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>
    this.errors.add(field, 'must be an object')
    return undefined
  }

  /**
   * page / per_page query parameters (defaults 1 and 50). Neither description documents limits or an error
   * for them, so values out of range are brought into it (page at least 1, per_page between 1 and 5000).
   */
  pagination(): { page: number; perPage: number } {
    const page = Math.max(1, this.int('page') ?? 1)
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, this.int('per_page') ?? DEFAULT_PER_PAGE))
    return { page, perPage }
  }

  done(): void {
    this.errors.throwIfAny()
  }
}

/** Query parameters as an Input source (the last value when a name repeats). */
export function queryInput(query: URLSearchParams): Input {
  return new Input(Object.fromEntries(query.entries()))
}

/** A window whose end is not after its start is refused. */
export function checkWindow(input: Input, activatesAt: string | null, expiresAt: string | null): void {
  if (activatesAt && expiresAt && Date.parse(expiresAt) <= Date.parse(activatesAt)) {
    input.errors.add('expires_at', 'must be after activates_at')
  }
}
