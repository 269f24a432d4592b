import {
  createAuthTokenMinter,
  fetchTransport,
  getDefaultSparkflyLogger,
  SPARKFLY_DEFAULTS,
  type SparkflyTransport,
} from '../sparkfly'
import type { TokenRotationDeps } from './rotateToken'

/** Options of {@link createTokenMinter}. */
export interface TokenMinterOptions {
  /** Method of `/auth` (`SPARKFLY_AUTH_METHOD`, default POST). */
  authMethod?: 'GET' | 'POST'
  timeoutMs?: number
  maxRetries?: number
  transport?: SparkflyTransport
}

/**
 * Mints Sparkfly tokens through the client's own request layer (`operation: 'auth'`: per-attempt timeout,
 * retries with back-off, error mapping, identity and key scrubbed from every log line and error) and its
 * `X-Auth-Token` reader. Like the client, it calls `/auth` at the root of the base URL's host first (where both
 * Sparkfly specs put it) and `<baseUrl>/auth` when that answers 404.
 *
 * @example
 * const mint = createTokenMinter({ authMethod: 'POST' })
 * const token = await mint({ identity, key, baseUrl: 'https://api.sparkfly.com/v1.0' })
 */
export function createTokenMinter(options: TokenMinterOptions = {}): TokenRotationDeps['mint'] {
  return createAuthTokenMinter(
    {
      baseUrl: SPARKFLY_DEFAULTS.baseUrl,
      transport: options.transport ?? fetchTransport,
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
