import * as z from '../validation/zod'

/**
 * Memoizes a schema builder: the schemas are built on the first call (the first use of an operation), not
 * when the module loads, so a cold start pays only for the schemas its calls need.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined
  return () => {
    built ??= { value: build() }
    return built.value
  }
}

/** Building blocks of Sparkfly response schemas, loose: unknown fields pass through. */
export const responseFields = lazy(() => {
  /**
   * An integer id in a response. The specs declare integers; a string of digits is accepted too (the
   * offer-states spec types path ids as strings) and converted, so the TypeScript type stays `number`.
   */
  const id = z.union([
    z.int().check(z.nonnegative()),
    z.pipe(z.string().check(z.regex(/^[0-9]+$/)), z.transform(Number)),
  ])
  const optionalInteger = z.nullish(z.int())
  return {
    id,
    /** Optional, nullable integer id. */
    optionalId: z.nullish(id),
    /** Optional, nullable string (Sparkfly sends `null` for unset fields). */
    optionalString: z.nullish(z.string()),
    optionalBoolean: z.nullish(z.boolean()),
    optionalInteger,
    /** Paging fields of Sparkfly's list bodies (`page_response_body`). */
    page: {
      page: optionalInteger,
      per_page: optionalInteger,
      total_entries: optionalInteger,
      total_pages: optionalInteger,
    },
  }
})

/** Paging fields of a list answer. */
export type SparkflyPage = z.output<z.ZodMiniObject<ReturnType<typeof responseFields>['page']>>

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

/**
 * Copies `from` to `to` when an object has only `from` (Sparkfly names the same id `id` in some answers and
 * `offer_state_id` in others), then parses with `schema`.
 */
export function aliased<T extends z.core.$ZodType>(from: string, to: string, schema: T) {
  const alias = z.transform((value: unknown) => {
    if (typeof value === 'object' && value !== null && !(to in value) && from in value) {
      return { ...value, [to]: (value as Record<string, unknown>)[from] }
    }
    return value
  })
  return z.pipe(alias, schema)
}
