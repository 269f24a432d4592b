import type { SecretReader } from '../aws/secrets'
import * as z from '../validation/zod'
import { SparkflyAuthenticationError, SparkflyError } from './errors'

/** A token to send as `X-Auth-Token`, and the base URL it belongs to when the secret names one. */
export interface SparkflyAuth {
  token: string
  baseUrl?: string
}

/** What the request layer asks for before each call, and after a 401. */
export interface AuthProvider {
  /**
   * Returns the current token. With `forceRefresh` (after a 401 on `rejectedToken`) a new one is loaded,
   * unless another caller already replaced `rejectedToken`; concurrent refreshes share one load.
   */
  getAuth(request?: { forceRefresh?: boolean; rejectedToken?: string }): Promise<SparkflyAuth>
  /** Secret strings (tokens, identity, key) currently known, to scrub from any text the client emits. */
  secrets(): string[]
}

/**
 * Supplies a Sparkfly token for {@link createSparkflyClientWithTokenProvider}. Called once at first use
 * and again with `forceRefresh: true` after Sparkfly answers 401.
 */
export type SparkflyTokenProvider = (context: { forceRefresh: boolean }) => string | Promise<string>

/** Mints a token at `/auth` (wired by the client to the request layer). */
export type TokenMinter = (credentials: { identity: string; key: string; baseUrl: string }) => Promise<string>

/** What a load is asked for: a first read, or a new token after Sparkfly refused `rejectedToken`. */
interface AuthRequest {
  forceRefresh: boolean
  rejectedToken?: string | undefined
}

interface LoadedAuth extends SparkflyAuth {
  /** How long to use the token before loading a new one without waiting for a 401. */
  maxAgeMs: number
  /** Other secret values (identity, key) to scrub from emitted text. */
  extraSecrets?: string[]
}

/**
 * Single-flight cache around a token loader: at most one load runs at a time, all concurrent callers
 * share it, and a refresh after a 401 is skipped when the rejected token was already replaced.
 */
class SingleFlightAuth implements AuthProvider {
  private current?: SparkflyAuth & { expiresAt: number }
  private pending?: Promise<SparkflyAuth>
  private readonly known = new Set<string>()

  constructor(
    private readonly load: (request: AuthRequest) => Promise<LoadedAuth>,
    private readonly now: () => number = Date.now,
  ) {}

  getAuth(request: { forceRefresh?: boolean; rejectedToken?: string } = {}): Promise<SparkflyAuth> {
    const current = this.current
    if (current) {
      const fresh = this.now() < current.expiresAt
      if (!request.forceRefresh && fresh) return Promise.resolve(current)
      // Someone already replaced the token that was rejected: use theirs.
      if (
        request.forceRefresh &&
        request.rejectedToken !== undefined &&
        request.rejectedToken !== current.token
      ) {
        return Promise.resolve(current)
      }
    }
    if (this.pending) return this.pending
    const pending = this.load({
      forceRefresh: request.forceRefresh ?? false,
      rejectedToken: request.rejectedToken,
    }).then((auth) => {
      this.known.add(auth.token)
      for (const value of auth.extraSecrets ?? []) this.known.add(value)
      this.current = { token: auth.token, baseUrl: auth.baseUrl, expiresAt: this.now() + auth.maxAgeMs }
      return { token: auth.token, baseUrl: auth.baseUrl }
    })
    this.pending = pending
    const clear = () => {
      if (this.pending === pending) this.pending = undefined
    }
    pending.then(clear, clear)
    return pending
  }

  secrets(): string[] {
    return [...this.known]
  }
}

const NON_EMPTY = z.string().check(z.trim(), z.minLength(1))

const secretFieldsSchema = z.looseObject({
  token: z.optional(NON_EMPTY),
  identity: z.optional(NON_EMPTY),
  key: z.optional(NON_EMPTY),
  baseUrl: z.optional(z.url()),
})

/**
 * The Sparkfly secret. With identity and key it is `identity` (a `token` beside them is only a cache); with a token
 * alone it is `token`.
 */
export type SparkflySecret =
  | { kind: 'identity'; identity: string; key: string; token?: string; baseUrl?: string }
  | { kind: 'token'; token: string; baseUrl?: string }

/** Reads `{"identity","key"}` (optional cached `"token"`) or `{"token"}`, each with an optional `"baseUrl"`. */
function parseSecret(raw: unknown): SparkflySecret | undefined {
  const parsed = secretFieldsSchema.safeParse(raw)
  if (!parsed.success) return undefined
  const { token, identity, key, baseUrl } = parsed.data
  const base = baseUrl === undefined ? {} : { baseUrl }
  if (identity !== undefined && key !== undefined) {
    return { kind: 'identity', identity, key, ...(token === undefined ? {} : { token }), ...base }
  }
  return token === undefined ? undefined : { kind: 'token', token, ...base }
}

// Tokens live 24 h; a minted token is replaced after 23 h without waiting for the 401.
const MINTED_TOKEN_MAX_AGE_MS = 23 * 60 * 60 * 1000
// A token read from a secret is kept until Sparkfly rejects it (whoever rotates it keeps it valid).
const SECRET_TOKEN_MAX_AGE_MS = Number.POSITIVE_INFINITY

/** Options of {@link createSecretAuthProvider}. */
export interface SecretAuthOptions {
  secretId: string
  secretReader: SecretReader
  baseUrl: string
  mint: TokenMinter
  /**
   * Secret `{"identity","key"}` to mint from when Sparkfly refuses the token of a token-only `secretId` and
   * re-reading that secret gives the same token (`SPARKFLY_CREDENTIALS_SECRET_ID`).
   */
  credentialsSecretId?: string | undefined
  now?: () => number
}

async function readSecret(options: SecretAuthOptions, secretId: string, forceFetch: boolean) {
  let raw: unknown
  try {
    raw = await options.secretReader.getJson(secretId, { forceFetch })
  } catch (error) {
    if (error instanceof SparkflyError) throw error
    throw new SparkflyAuthenticationError(`Could not read the Sparkfly secret "${secretId}"`, {
      cause: error,
      retryable: true,
    })
  }
  const secret = parseSecret(raw)
  if (!secret) {
    throw new SparkflyAuthenticationError(
      `The Sparkfly secret "${secretId}" must be JSON {"identity","key"} or {"token"} (optional "baseUrl")`,
    )
  }
  return secret
}

async function mintFrom(
  options: SecretAuthOptions,
  secret: { identity: string; key: string },
  baseUrl: string,
): Promise<LoadedAuth> {
  const token = await options.mint({ identity: secret.identity, key: secret.key, baseUrl })
  return { token, baseUrl, maxAgeMs: MINTED_TOKEN_MAX_AGE_MS, extraSecrets: [secret.identity, secret.key] }
}

/**
 * After Sparkfly refused the token of a token-only secret that, read again, still holds it: mint through the
 * credentials secret when one is configured, else fail with an error that says what to do.
 */
async function recoverTokenOnly(options: SecretAuthOptions, baseUrl: string): Promise<LoadedAuth> {
  const { credentialsSecretId, secretId } = options
  if (credentialsSecretId === undefined || credentialsSecretId === secretId) {
    throw new SparkflyAuthenticationError(
      `Sparkfly refused the token in the secret "${secretId}" and it holds no newer one; run the token rotation, or configure a credentials secret (SPARKFLY_CREDENTIALS_SECRET_ID) to mint from`,
      { retryable: true },
    )
  }
  const credentials = await readSecret(options, credentialsSecretId, true)
  if (credentials.kind !== 'identity') {
    throw new SparkflyAuthenticationError(
      `The Sparkfly credentials secret "${credentialsSecretId}" must hold "identity" and "key"`,
    )
  }
  return mintFrom(options, credentials, credentials.baseUrl ?? baseUrl)
}

/**
 * Auth from the Sparkfly secret in Secrets Manager; the decision table is in docs/token-rotation.md.
 * - `{"identity","key"}`: a `"token"` beside them is used first (a cache); after a 401 a token is always
 *   minted at `/auth` from identity and key (the secret re-read first, it may have new ones).
 * - `{"token"}` alone: used as is. After a 401 the secret is re-read (it may have been rotated); if it still holds
 *   the refused token, a token is minted from `credentialsSecretId` when configured, else a
 *   {@link SparkflyAuthenticationError} (retryable: the rotation may fix it) says so.
 * Secret and token are cached for the container's life; concurrent callers share one secret read and one `/auth`.
 */
export function createSecretAuthProvider(options: SecretAuthOptions): AuthProvider {
  const load = async ({ forceRefresh, rejectedToken }: AuthRequest): Promise<LoadedAuth> => {
    const secret = await readSecret(options, options.secretId, forceRefresh)
    const baseUrl = secret.baseUrl ?? options.baseUrl
    const refused = (token: string) =>
      forceRefresh && (rejectedToken === undefined || token === rejectedToken)
    if (secret.kind === 'identity') {
      if (secret.token === undefined || forceRefresh) return mintFrom(options, secret, baseUrl)
      return {
        token: secret.token,
        baseUrl,
        maxAgeMs: SECRET_TOKEN_MAX_AGE_MS,
        extraSecrets: [secret.identity, secret.key],
      }
    }
    if (refused(secret.token)) return recoverTokenOnly(options, baseUrl)
    return { token: secret.token, baseUrl, maxAgeMs: SECRET_TOKEN_MAX_AGE_MS }
  }
  return new SingleFlightAuth(load, options.now)
}

/**
 * Auth from a caller-supplied {@link SparkflyTokenProvider} (tests, scripts, non-Lambda use), with the
 * same single-flight and refresh-once behaviour.
 */
export function createTokenProviderAuth(tokenProvider: SparkflyTokenProvider): AuthProvider {
  return new SingleFlightAuth(async ({ forceRefresh }) => {
    const token = await tokenProvider({ forceRefresh })
    if (typeof token !== 'string' || token.length === 0) {
      throw new SparkflyAuthenticationError('The token provider returned no token')
    }
    return { token, maxAgeMs: SECRET_TOKEN_MAX_AGE_MS }
  })
}
