import { type JsonSecretStore, secretsManagerJsonStore } from '../aws/secretStore'
import { type AppConfig, getConfig, requireSetting } from '../config'
import type { TokenRotationDeps } from '../rotation'
import {
  createAuthTokenMinter,
  defaultTransport,
  getDefaultSparkflyLogger,
  SPARKFLY_DEFAULTS,
  type SparkflyTransport,
} from '../sparkfly'

/** How the rotation reaches Sparkfly's `/auth` (from `SPARKFLY_AUTH_METHOD`, `_TIMEOUT_MS`, `_MAX_RETRIES`). */
export interface TokenMinterOptions {
  /** Method of `/auth` (default POST). */
  authMethod?: 'GET' | 'POST'
  timeoutMs?: number
  maxRetries?: number
  transport?: SparkflyTransport
}

/**
 * Mints Sparkfly tokens through the client's own request layer (`operation: 'auth'`: per-attempt timeout, retries
 * with back-off, error mapping, identity and key scrubbed from every log line and error). Like the client, it calls
 * `/auth` at the root of the base URL's host first and `<baseUrl>/auth` when that answers 404.
 *
 * @example
 * const mint = tokenMinter({ authMethod: 'POST' })
 * const token = await mint({ identity, key, baseUrl: 'https://api.sparkfly.com/v1.0' })
 */
export function tokenMinter(options: TokenMinterOptions = {}): TokenRotationDeps['mint'] {
  return createAuthTokenMinter(
    {
      baseUrl: SPARKFLY_DEFAULTS.baseUrl,
      transport: options.transport ?? defaultTransport,
      logger: getDefaultSparkflyLogger(),
      userAgent: SPARKFLY_DEFAULTS.userAgent,
      defaults: {
        timeoutMs: options.timeoutMs ?? SPARKFLY_DEFAULTS.timeoutMs,
        maxRetries: options.maxRetries ?? SPARKFLY_DEFAULTS.maxRetries,
        totalTimeoutMs: SPARKFLY_DEFAULTS.totalTimeoutMs,
        retryBaseDelayMs: SPARKFLY_DEFAULTS.retryBaseDelayMs,
        retryMaxDelayMs: SPARKFLY_DEFAULTS.retryMaxDelayMs,
      },
    },
    { method: options.authMethod },
  )
}

/**
 * The rotation's adapters from the configuration: the credentials secret
 * (`SPARKFLY_CREDENTIALS_SECRET_ID`, read fresh) and the token secret (`SPARKFLY_SECRET_ID`, written) in a JSON
 * secret store (Secrets Manager by default), and `/auth` per `SPARKFLY_BASE_URL`, `SPARKFLY_AUTH_METHOD`,
 * `SPARKFLY_TIMEOUT_MS`, `SPARKFLY_MAX_RETRIES`.
 *
 * @example
 * const result = await rotateToken(tokenRotationDeps())
 */
export function tokenRotationDeps(
  config: AppConfig = getConfig(),
  store: JsonSecretStore = secretsManagerJsonStore(),
): TokenRotationDeps {
  const credentialsSecretId = requireSetting(config, 'SPARKFLY_CREDENTIALS_SECRET_ID')
  return {
    readCredentials: () => store.read(credentialsSecretId),
    writeToken: (value) => store.write(config.SPARKFLY_SECRET_ID, value),
    mint: tokenMinter({
      authMethod: config.SPARKFLY_AUTH_METHOD,
      timeoutMs: config.SPARKFLY_TIMEOUT_MS,
      maxRetries: config.SPARKFLY_MAX_RETRIES,
    }),
    defaultBaseUrl: config.SPARKFLY_BASE_URL,
    sameSecret: credentialsSecretId === config.SPARKFLY_SECRET_ID,
  }
}
