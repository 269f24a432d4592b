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
    private readonly load: (forceRefresh: boolean) => Promise<LoadedAuth>,
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
    const pending = this.load(request.forceRefresh ?? false).then((auth) => {
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

const sparkflySecretSchema = z.union([
  z.pipe(
    z.looseObject({ token: NON_EMPTY, baseUrl: z.optional(z.url()) }),
    z.transform((s) => ({ kind: 'token' as const, token: s.token, baseUrl: s.baseUrl })),
  ),
  z.pipe(
    z.looseObject({ identity: NON_EMPTY, key: NON_EMPTY, baseUrl: z.optional(z.url()) }),
    z.transform((s) => ({ kind: 'identity' as const, identity: s.identity, key: s.key, baseUrl: s.baseUrl })),
  ),
])

/** The Sparkfly secret: `{"token"}` or `{"identity","key"}`, each with an optional `"baseUrl"`. */
export type SparkflySecret = z.infer<typeof sparkflySecretSchema>

// Tokens live 24 h; a minted token is replaced after 23 h without waiting for the 401.
const MINTED_TOKEN_MAX_AGE_MS = 23 * 60 * 60 * 1000
// A token read from the secret is kept until Sparkfly rejects it (whoever rotates it keeps it valid).
const SECRET_TOKEN_MAX_AGE_MS = Number.POSITIVE_INFINITY

/**
 * Auth from the Sparkfly secret in Secrets Manager. `{"token"}` is used as is; `{"identity","key"}` is
 * exchanged for a token at `/auth`. After a 401 the secret is read again with `forceFetch` (it may have
 * been rotated) and, for identity + key, a new token is minted. Secret and token are cached for the
 * container's life; concurrent cold-start callers share one secret read and one `/auth` call.
 */
export function createSecretAuthProvider(options: {
  secretId: string
  secretReader: SecretReader
  baseUrl: string
  mint: TokenMinter
  now?: () => number
}): AuthProvider {
  const load = async (forceRefresh: boolean): Promise<LoadedAuth> => {
    let raw: unknown
    try {
      raw = await options.secretReader.getJson(options.secretId, { forceFetch: forceRefresh })
    } catch (error) {
      if (error instanceof SparkflyError) throw error
      throw new SparkflyAuthenticationError(`Could not read the Sparkfly secret "${options.secretId}"`, {
        cause: error,
        retryable: true,
      })
    }
    const parsed = sparkflySecretSchema.safeParse(raw)
    if (!parsed.success) {
      throw new SparkflyAuthenticationError(
        `The Sparkfly secret "${options.secretId}" must be JSON {"token"} or {"identity","key"} (optional "baseUrl")`,
      )
    }
    const secret = parsed.data
    const baseUrl = secret.baseUrl ?? options.baseUrl
    if (secret.kind === 'token') return { token: secret.token, baseUrl, maxAgeMs: SECRET_TOKEN_MAX_AGE_MS }
    const token = await options.mint({ identity: secret.identity, key: secret.key, baseUrl })
    return { token, baseUrl, maxAgeMs: MINTED_TOKEN_MAX_AGE_MS, extraSecrets: [secret.identity, secret.key] }
  }
  return new SingleFlightAuth(load, options.now)
}

/**
 * Auth from a caller-supplied {@link SparkflyTokenProvider} (tests, scripts, non-Lambda use), with the
 * same single-flight and refresh-once behaviour.
 */
export function createTokenProviderAuth(tokenProvider: SparkflyTokenProvider): AuthProvider {
  return new SingleFlightAuth(async (forceRefresh) => {
    const token = await tokenProvider({ forceRefresh })
    if (typeof token !== 'string' || token.length === 0) {
      throw new SparkflyAuthenticationError('The token provider returned no token')
    }
    return { token, maxAgeMs: SECRET_TOKEN_MAX_AGE_MS }
  })
}
