import * as z from '../validation/zod'

/**
 * An integer id in a response. The specs declare integers; a string of digits is accepted too (the
 * offer-states spec types path ids as strings) and converted, so the TypeScript type stays `number`.
 */
export const responseIdSchema = z.union([
  z.int().check(z.nonnegative()),
  z.pipe(z.string().check(z.regex(/^[0-9]+$/)), z.transform(Number)),
])

/** Optional, nullable integer id. */
export const optionalIdSchema = z.nullish(responseIdSchema)

/** Optional, nullable string (Sparkfly sends `null` for unset fields). */
export const optionalString = z.nullish(z.string())

/** Optional, nullable boolean. */
export const optionalBoolean = z.nullish(z.boolean())

/** Optional, nullable integer. */
export const optionalInteger = z.nullish(z.int())

/** Paging fields of Sparkfly's list bodies (`page_response_body`). */
export const pageFields = {
  page: optionalInteger,
  per_page: optionalInteger,
  total_entries: optionalInteger,
  total_pages: optionalInteger,
}

/** Paging fields of a list answer. */
export interface SparkflyPage {
  page?: number | null
  per_page?: number | null
  total_entries?: number | null
  total_pages?: number | null
}

/**
 * List items arrive either wrapped (`{"credential": {...}}`, as the specs' item schemas say) or bare;
 * this unwraps the first form so both parse with the same item schema.
 */
export function unwrapped<T extends z.core.$ZodType>(key: string, item: T) {
  const unwrap = z.transform((value: unknown) => {
    if (typeof value === 'object' && value !== null && key in value) {
      const inner = (value as Record<string, unknown>)[key]
      if (typeof inner === 'object' && inner !== null) return inner
    }
    return value
  })
  return z.pipe(unwrap, item)
}
