import { getDefaultSecretReader, type SecretReader } from '../aws/secrets'
import * as z from '../validation/zod'
import {
  type AuthProvider,
  createSecretAuthProvider,
  createTokenProviderAuth,
  type SparkflyTokenProvider,
  type TokenMinter,
} from './auth'
import { SparkflyError, SparkflyInvalidArgumentError, SparkflyNotFoundError } from './errors'
import { getDefaultSparkflyLogger, type SparkflyLogger } from './logger'
import { type RequestContext, type RequestDefaults, type SparkflyRequester, sparkflyRequest } from './request'
import { responseParser } from './resource'
import { CredentialsResource } from './resources/credentials'
import { OfferStatesResource } from './resources/offerStates'
import { fetchTransport, type SparkflyTransport } from './transport'

/** Defaults of every client (and of the `SPARKFLY_*` environment variables). */
export const SPARKFLY_DEFAULTS = {
  baseUrl: 'https://api.sparkfly.com/v1.0',
  timeoutMs: 5_000,
  maxRetries: 2,
  totalTimeoutMs: 10_000,
  retryBaseDelayMs: 250,
  retryMaxDelayMs: 4_000,
  // The two Sparkfly specs disagree: the platform spec (v1.0.23) documents GET /auth, the newer
  // offer-states spec documents POST /auth. POST is the default because it is the newer description and
  // keeps the key out of any cache/proxy layer that treats GETs as cacheable; SPARKFLY_AUTH_METHOD=GET
  // switches back. Both carry X-Auth-Identity / X-Auth-Key headers and answer 204 with X-Auth-Token.
  authMethod: 'POST',
  userAgent: 'sparkfly-offer-lifecycle',
} as const

/** Settings shared by both factories. */
export interface SparkflyClientCommonOptions {
  /** Timeout of each attempt in ms (default 5000). */
  timeoutMs?: number
  /** Retries after the first attempt (default 2); see `request.ts` for which operations retry on what. */
  maxRetries?: number
  /** Time budget of one call including retries and waits, in ms (default 10000). */
  totalTimeoutMs?: number
  /** Backoff: delay ceiling of the first retry in ms (default 250). */
  retryBaseDelayMs?: number
  /** Backoff: largest delay in ms (default 4000). */
  retryMaxDelayMs?: number
  /** Logger (default: Powertools Logger, service `sparkfly-client`). */
  logger?: SparkflyLogger
  /** HTTP transport (default: global fetch with keep-alive). */
  transport?: SparkflyTransport
  /** `User-Agent` header. */
  userAgent?: string
}

/** Configuration of {@link createSparkflyClient}. Unknown keys throw. */
export interface SparkflyClientConfig extends SparkflyClientCommonOptions {
  /** Secrets Manager id of `{"token"}` or `{"identity","key"}` (optional `"baseUrl"`). */
  secretId: string
  /** Base URL including the version, default `https://api.sparkfly.com/v1.0`. */
  baseUrl?: string
  /** Method of `/auth` (default POST, see {@link SPARKFLY_DEFAULTS}). */
  authMethod?: 'GET' | 'POST'
  /**
   * Absolute URL of the token endpoint. By default `/auth` at the root of the base URL's host (where both
   * Sparkfly specs put it), falling back to `<baseUrl>/auth` if that answers 404.
   */
  authUrl?: string
  /** Secret reader (default: the container-wide reader of `lib/aws/secrets`). */
  secretReader?: SecretReader
  /**
   * Secret `{"identity","key"}` to mint from when Sparkfly refuses the token of a token-only `secretId` and the
   * secret holds no newer one (`SPARKFLY_CREDENTIALS_SECRET_ID`; see docs/token-rotation.md).
   */
  credentialsSecretId?: string
}

/** Configuration of {@link createSparkflyClientWithTokenProvider}. Unknown keys throw. */
export interface SparkflyTokenProviderConfig extends SparkflyClientCommonOptions {
  /** Base URL including the version, e.g. `http://127.0.0.1:4010/v1.0`. */
  baseUrl: string
  /** Supplies the token; called again with `forceRefresh: true` after a 401. */
  tokenProvider: SparkflyTokenProvider
}

const positiveInt = z.int().check(z.positive())
const nonNegativeInt = z.int().check(z.nonnegative())
const httpUrl = z.url({ protocol: /^https?$/ })
const isFunction = (value: unknown) => typeof value === 'function'
const isObject = (value: unknown) => typeof value === 'object' && value !== null

const commonShape = {
  timeoutMs: z.optional(positiveInt.check(z.maximum(29_000))),
  maxRetries: z.optional(nonNegativeInt.check(z.maximum(10))),
  totalTimeoutMs: z.optional(positiveInt.check(z.maximum(120_000))),
  retryBaseDelayMs: z.optional(nonNegativeInt),
  retryMaxDelayMs: z.optional(nonNegativeInt),
  logger: z.optional(
    z.custom<SparkflyLogger>((value) => isObject(value) && isFunction((value as SparkflyLogger).warn)),
  ),
  transport: z.optional(z.custom<SparkflyTransport>(isFunction)),
  userAgent: z.optional(z.string().check(z.minLength(1))),
}

const secretConfigSchema = z.strictObject({
  ...commonShape,
  secretId: z.string().check(z.minLength(1)),
  baseUrl: z.optional(httpUrl),
  authMethod: z.optional(z.enum(['GET', 'POST'])),
  authUrl: z.optional(httpUrl),
  secretReader: z.optional(
    z.custom<SecretReader>((value) => isObject(value) && isFunction((value as SecretReader).getJson)),
  ),
  credentialsSecretId: z.optional(z.string().check(z.minLength(1))),
})

const tokenProviderConfigSchema = z.strictObject({
  ...commonShape,
  baseUrl: httpUrl,
  tokenProvider: z.custom<SparkflyTokenProvider>(isFunction),
})

function parseConfig<T>(schema: z.core.$ZodType<T>, config: unknown, factory: string): T {
  const result = z.safeParse(schema, config)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  if (issue?.code === 'unrecognized_keys') {
    const keys = issue.keys.join(', ')
    throw new SparkflyInvalidArgumentError(
      issue.keys[0] ?? 'config',
      `${factory}: unknown option(s): ${keys}`,
    )
  }
  const name = issue?.path.map(String).join('.') || 'config'
  throw new SparkflyInvalidArgumentError(
    name,
    `${factory}: invalid option "${name}": ${issue?.message ?? 'invalid'}`,
  )
}

function requestDefaults(config: SparkflyClientCommonOptions): RequestDefaults {
  return {
    timeoutMs: config.timeoutMs ?? SPARKFLY_DEFAULTS.timeoutMs,
    maxRetries: config.maxRetries ?? SPARKFLY_DEFAULTS.maxRetries,
    totalTimeoutMs: config.totalTimeoutMs ?? SPARKFLY_DEFAULTS.totalTimeoutMs,
    retryBaseDelayMs: config.retryBaseDelayMs ?? SPARKFLY_DEFAULTS.retryBaseDelayMs,
    retryMaxDelayMs: config.retryMaxDelayMs ?? SPARKFLY_DEFAULTS.retryMaxDelayMs,
  }
}

type AuthMethod = 'GET' | 'POST'

/** Where and how to call `/auth`. */
interface AuthEndpoint {
  url: string
  method: AuthMethod
}

/**
 * `/auth` endpoints to try, in order: the explicit URL, else the host root (both specs) then `<baseUrl>/auth`; at
 * each, the configured method first, then the other one (the specs disagree: GET in one, POST in the other).
 */
function authEndpoints(baseUrl: string, authUrl: string | undefined, method: AuthMethod): AuthEndpoint[] {
  const trimmed = baseUrl.replace(/\/+$/, '')
  const urls = authUrl ? [authUrl] : [...new Set([new URL('/auth', trimmed).toString(), `${trimmed}/auth`])]
  const other: AuthMethod = method === 'POST' ? 'GET' : 'POST'
  return urls.flatMap((url) => [
    { url, method },
    { url, method: other },
  ])
}

/** 404 (no such route) or 405 (route, not this method): the next endpoint may answer. */
const triesNextEndpoint = (error: unknown) =>
  error instanceof SparkflyError && (error.status === 404 || error.status === 405)

/**
 * Mints tokens at Sparkfly's `/auth` through the request layer (timeouts, retries, error mapping, identity and key
 * scrubbed from logs and errors). Tries the root of the base URL's host first (where both specs put `/auth`), then
 * `<baseUrl>/auth`; at each it changes method once (configured one, then the other) on 404 or 405. It remembers
 * per base URL the URL and method that answered.
 *
 * @example
 * const mint = createAuthTokenMinter(context, { method: 'POST' })
 * const token = await mint({ identity, key, baseUrl: 'https://api.sparkfly.com/v1.0' })
 */
export function createAuthTokenMinter(
  context: Omit<RequestContext, 'auth'>,
  options: { method?: AuthMethod | undefined; authUrl?: string | undefined } = {},
): TokenMinter {
  const method = options.method ?? SPARKFLY_DEFAULTS.authMethod
  const working = new Map<string, AuthEndpoint>()
  return async ({ identity, key, baseUrl }) => {
    const known = working.get(baseUrl)
    const candidates = known ? [known] : authEndpoints(baseUrl, options.authUrl, method)
    for (const [index, endpoint] of candidates.entries()) {
      try {
        const token = await sparkflyRequest(context, {
          operation: 'auth',
          method: endpoint.method,
          url: endpoint.url,
          headers: { 'X-Auth-Identity': identity, 'X-Auth-Key': key },
          authenticate: false,
          secrets: [identity, key],
          parse: responseParser('auth'),
        })
        working.set(baseUrl, endpoint)
        return token
      } catch (error) {
        if (!triesNextEndpoint(error) || index === candidates.length - 1) throw error
      }
    }
    throw new SparkflyNotFoundError('Sparkfly /auth was not found')
  }
}

/**
 * The Sparkfly API client: `credentials` (8 operations) and `offerStates` (11 operations). Build it with
 * {@link createSparkflyClient}, {@link createSparkflyClientWithTokenProvider} or
 * {@link getSparkflyClientFromEnv}.
 */
export class SparkflyClient {
  /** The credential operations. */
  readonly credentials: CredentialsResource
  /** The offer state operations. */
  readonly offerStates: OfferStatesResource

  /** Prefer the factories; this takes an already assembled request context. */
  constructor(context: RequestContext) {
    const request: SparkflyRequester = (spec, options) => sparkflyRequest(context, spec, options)
    this.credentials = new CredentialsResource(request)
    this.offerStates = new OfferStatesResource(request)
  }
}

/**
 * Builds a client that reads its credentials from Secrets Manager (`secretId`), caches secret and token
 * for the container's life, mints tokens at `/auth` for `{"identity","key"}` secrets and refreshes once
 * on 401. Unknown options throw {@link SparkflyInvalidArgumentError}.
 *
 * @example
 * ```ts
 * const client = createSparkflyClient({ secretId: 'prod/sparkfly', timeoutMs: 3000 })
 * const state = await client.offerStates.get(42, 1001)
 * ```
 */
export function createSparkflyClient(config: SparkflyClientConfig): SparkflyClient {
  const options = parseConfig(secretConfigSchema, config, 'createSparkflyClient')
  const baseUrl = options.baseUrl ?? SPARKFLY_DEFAULTS.baseUrl
  const base: Omit<RequestContext, 'auth'> = {
    baseUrl,
    transport: options.transport ?? fetchTransport,
    logger: options.logger ?? getDefaultSparkflyLogger(),
    defaults: requestDefaults(options),
    userAgent: options.userAgent ?? SPARKFLY_DEFAULTS.userAgent,
  }
  const mint = createAuthTokenMinter(base, { method: options.authMethod, authUrl: options.authUrl })

  const auth: AuthProvider = createSecretAuthProvider({
    secretId: options.secretId,
    secretReader: options.secretReader ?? getDefaultSecretReader(),
    baseUrl,
    mint,
    credentialsSecretId: options.credentialsSecretId,
  })
  return new SparkflyClient({ ...base, auth })
}

/**
 * Builds a client around a caller-supplied token (tests, scripts, non-Lambda use). The provider is called
 * once (single-flight) and again with `forceRefresh: true` after a 401. Unknown options throw.
 *
 * @example
 * ```ts
 * const client = createSparkflyClientWithTokenProvider({ baseUrl: sandbox.url, tokenProvider: () => token })
 * ```
 */
export function createSparkflyClientWithTokenProvider(config: SparkflyTokenProviderConfig): SparkflyClient {
  const options = parseConfig(tokenProviderConfigSchema, config, 'createSparkflyClientWithTokenProvider')
  return new SparkflyClient({
    baseUrl: options.baseUrl,
    auth: createTokenProviderAuth(options.tokenProvider),
    transport: options.transport ?? fetchTransport,
    logger: options.logger ?? getDefaultSparkflyLogger(),
    defaults: requestDefaults(options),
    userAgent: options.userAgent ?? SPARKFLY_DEFAULTS.userAgent,
  })
}
