import { z } from 'zod'

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback)

const schema = z.object({
  LEDGER_TABLE: z.string().min(1),
  IDEMPOTENCY_TABLE: z.string().min(1).optional(),
  OFFER_EVENTS_QUEUE_URL: z.string().url(),
  ISSUANCE_DLQ_URL: z.string().url().optional(),
  BULK_VOID_DLQ_URL: z.string().url().optional(),
  WEBHOOK_SECRET_ID: z.string().min(1).optional(),
  ISSUANCE_RULES: z.string().min(1).default('default'),
  SPARKFLY_CONCURRENCY: positiveInt(10),
  CREDENTIAL_MAX_AGE_DAYS: positiveInt(90),
  LEDGER_SWEEP_SHARDS: positiveInt(4),
  EVENT_SOURCE: z.string().min(1).default('urn:sparkfly-offer-lifecycle'),
  STAGE: z.string().min(1).default('local'),
  /** Largest webhook / staff API body accepted, in bytes (413 beyond). */
  HTTP_MAX_BODY_BYTES: positiveInt(16 * 1024),
  /** The sweep stops this long before the Lambda time limit and leaves the rest for the next run. */
  SWEEP_TIME_MARGIN_MS: positiveInt(15_000),
  /** Offers the sweep reads per ledger page. */
  SWEEP_PAGE_SIZE: positiveInt(100),
  /** Secret `{"identity","key"}` from which the token rotation mints the token it stores in SPARKFLY_SECRET_ID. */
  SPARKFLY_CREDENTIALS_SECRET_ID: z.string().min(1).optional(),
})

/** Validated application configuration read from the environment. */
export type AppConfig = z.infer<typeof schema>

/** Raised when the function's environment is incomplete; names the variables, never their values. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError'
}

let cached: AppConfig | undefined

/**
 * Reads and validates the environment once per container.
 *
 * @example
 * const { LEDGER_TABLE } = getConfig()
 */
export function getConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  if (cached && env === process.env) return cached
  const parsed = schema.safeParse(env)
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
