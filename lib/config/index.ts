import { SPARKFLY_DEFAULTS } from '../sparkfly/client'
import * as z from '../validation/zod'

const positiveInt = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback)
const nonEmpty = () => z.string().check(z.minLength(1))
const optionalUrl = () => z.optional(z.url())
const boundedInt = (min: number, max: number, fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max)), fallback)

const schema = z.object({
  /** Secret `{"token"}` and/or `{"identity","key"}` (optional `"baseUrl"`) the Sparkfly client reads. */
  SPARKFLY_SECRET_ID: nonEmpty(),
  /** Sparkfly base URL including the version. */
  SPARKFLY_BASE_URL: z._default(z.url({ protocol: /^https?$/ }), SPARKFLY_DEFAULTS.baseUrl),
  /** Timeout of each Sparkfly attempt in ms (at most 29 s, API Gateway's limit). */
  SPARKFLY_TIMEOUT_MS: boundedInt(1, 29_000, SPARKFLY_DEFAULTS.timeoutMs),
  /** Retries after the first attempt (idempotent calls; see docs/sparkfly-client.md). */
  SPARKFLY_MAX_RETRIES: boundedInt(0, 10, SPARKFLY_DEFAULTS.maxRetries),
  /** Method of `/auth`: the two Sparkfly specs disagree (GET or POST). */
  SPARKFLY_AUTH_METHOD: z._default(
    z.pipe(
      z.pipe(
        z.string(),
        z.transform((value) => value.toUpperCase()),
      ),
      z.enum(['GET', 'POST']),
    ),
    SPARKFLY_DEFAULTS.authMethod,
  ),
  LEDGER_TABLE: nonEmpty(),
  IDEMPOTENCY_TABLE: z.optional(nonEmpty()),
  OFFER_EVENTS_QUEUE_URL: z.url(),
  ISSUANCE_DLQ_URL: optionalUrl(),
  BULK_VOID_DLQ_URL: optionalUrl(),
  WEBHOOK_SECRET_ID: z.optional(nonEmpty()),
  ISSUANCE_RULES: z._default(nonEmpty(), 'default'),
  SPARKFLY_CONCURRENCY: positiveInt(10),
  CREDENTIAL_MAX_AGE_DAYS: positiveInt(90),
  LEDGER_SWEEP_SHARDS: positiveInt(4),
  EVENT_SOURCE: z._default(nonEmpty(), 'urn:sparkfly-offer-lifecycle'),
  STAGE: z._default(nonEmpty(), 'local'),
  /** Largest webhook / staff API body accepted, in bytes (413 beyond). */
  HTTP_MAX_BODY_BYTES: positiveInt(16 * 1024),
  /** The sweep stops this long before the Lambda time limit and leaves the rest for the next run. */
  SWEEP_TIME_MARGIN_MS: positiveInt(15_000),
  /** Offers the sweep reads per ledger page. */
  SWEEP_PAGE_SIZE: positiveInt(100),
  /**
   * Secret `{"identity","key"}` from which the token rotation mints the token it stores in SPARKFLY_SECRET_ID; on the
   * other functions, where the Sparkfly client mints from when Sparkfly refuses a token-only SPARKFLY_SECRET_ID.
   */
  SPARKFLY_CREDENTIALS_SECRET_ID: z.optional(nonEmpty()),
})

/** Validated application configuration read from the environment. */
export type AppConfig = z.infer<typeof schema>

/** Raised when the function's environment is incomplete; names the variables, never their values. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError'
}

let cached: AppConfig | undefined

/**
 * Reads and validates the environment once per container: every setting of every function, in one schema (the
 * composition root, `lib/app`, is its only production caller). Names the variables that are wrong, never their values.
 *
 * @example
 * const { LEDGER_TABLE } = getConfig()
 */
export function getConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (cached && env === process.env) return cached
  // An empty variable counts as unset (a template that renders an optional parameter as '').
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  )
  const parsed = schema.safeParse(present)
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigurationError(`Invalid configuration: ${fields.join('; ')}`)
  }
  if (env === process.env) cached = parsed.data
  return parsed.data
}

/** Requires an optional setting that this function needs. */
export function requireSetting<K extends keyof AppConfig>(
  config: AppConfig,
  key: K,
): NonNullable<AppConfig[K]> {
  const value = config[key]
  if (value === undefined || value === null || value === '') {
    throw new ConfigurationError(`Missing configuration: ${String(key)}`)
  }
  return value as NonNullable<AppConfig[K]>
}

/** Forgets the cached configuration (tests that change the environment). */
export function resetConfig(): void {
  cached = undefined
}
