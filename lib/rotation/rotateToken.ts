import * as z from '../validation/zod'

/** Sparkfly API credentials, as the credentials secret holds them. */
export interface SparkflyCredentials {
  identity: string
  key: string
  /** Overrides the configured base URL (kept in the token secret too, so readers call the same Sparkfly). */
  baseUrl?: string
}

/** What the rotation writes into the token secret (`SPARKFLY_SECRET_ID`). */
export interface RotatedTokenSecret {
  token: string
  /** When Sparkfly will stop accepting the token (minted time + lifetime). */
  expiresAt: string
  rotatedAt: string
  baseUrl?: string
  /** Kept only when the token secret is also the credentials secret. */
  identity?: string
  key?: string
}

/** What a rotation reports (never the token). */
export interface RotationResult {
  rotatedAt: string
  expiresAt: string
  baseUrl: string
  /** Secrets Manager version id of the new value. */
  versionId?: string
}

/** Raised when the rotation cannot do its work; names secrets, never their values. */
export class TokenRotationError extends Error {
  override name = 'TokenRotationError'
}

/** The rotation's adapters: two secrets and the `/auth` call. */
export interface TokenRotationDeps {
  /** Reads the credentials secret (fresh, not cached). */
  readCredentials(): Promise<unknown>
  /** Mints a token at Sparkfly's `/auth` (`X-Auth-Identity` / `X-Auth-Key` -> `X-Auth-Token`). */
  mint(credentials: { identity: string; key: string; baseUrl: string }): Promise<string>
  /** Stores the new token secret value as the current version. */
  writeToken(value: RotatedTokenSecret): Promise<{ versionId?: string }>
  /** The base URL when the credentials secret names none (`SPARKFLY_BASE_URL`). */
  defaultBaseUrl: string
  /** The credentials and the token live in the same secret: keep identity and key in what is written. */
  sameSecret?: boolean
  /** Token lifetime at Sparkfly (default 24 h). */
  tokenLifetimeMs?: number
  now?: () => Date
}

/** Sparkfly tokens live 24 hours. */
export const SPARKFLY_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000

const credentialsSchema = z.looseObject({
  identity: z.string().check(z.trim(), z.minLength(1)),
  key: z.string().check(z.trim(), z.minLength(1)),
  baseUrl: z.optional(z.url({ protocol: /^https?$/ })),
})

/**
 * Mints a fresh Sparkfly token from the identity and key of the credentials secret and stores
 * `{"token", "expiresAt", "rotatedAt", "baseUrl"?}` as the new current value of the token secret, where every
 * handler reads `{"token"}`. Nothing is written when the credentials are invalid or `/auth` fails, so readers keep
 * the previous (still valid) token.
 *
 * @example
 * const result = await rotateToken({ readCredentials, mint, writeToken, defaultBaseUrl: 'https://api.sparkfly.com/v1.0' })
 * // { rotatedAt: '...', expiresAt: '... + 24 h', baseUrl: '...', versionId: '...' }
 */
export async function rotateToken(deps: TokenRotationDeps): Promise<RotationResult> {
  const now = deps.now ?? (() => new Date())
  const parsed = credentialsSchema.safeParse(await deps.readCredentials())
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(value)'))]
    throw new TokenRotationError(
      `The Sparkfly credentials secret must be JSON {"identity","key"} (optional "baseUrl"); check: ${fields.join(', ')}`,
    )
  }
  const { identity, key } = parsed.data
  const baseUrl = parsed.data.baseUrl ?? deps.defaultBaseUrl
  const minted = now()
  const token = await deps.mint({ identity, key, baseUrl })
  const value: RotatedTokenSecret = {
    ...(deps.sameSecret ? { identity, key } : {}),
    token,
    expiresAt: new Date(
      minted.getTime() + (deps.tokenLifetimeMs ?? SPARKFLY_TOKEN_LIFETIME_MS),
    ).toISOString(),
    rotatedAt: minted.toISOString(),
    ...(parsed.data.baseUrl ? { baseUrl: parsed.data.baseUrl } : {}),
  }
  const { versionId } = await deps.writeToken(value)
  return {
    rotatedAt: value.rotatedAt,
    expiresAt: value.expiresAt,
    baseUrl,
    ...(versionId ? { versionId } : {}),
  }
}
