import { randomUUID } from 'node:crypto'
import {
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose'

/**
 * The local identity provider behind the HTTP API's JWT authorizers: one ES256 key pair per process,
 * generated on first use. Tokens it mints are verified the way API Gateway's JWT authorizer verifies
 * them (signature against the JWKS, `iss`, `aud` or `client_id`, `exp`/`nbf`, optional scopes).
 */

export const LOCAL_ISSUER = 'urn:local:staff-idp'
export const LOCAL_AUDIENCE = 'offers-staff-api'
/** The scope the local IdP grants staff by default: the one the staff void routes require (`staffVoidScopes`). */
export const LOCAL_STAFF_SCOPE = 'offers:void'
const ALGORITHM = 'ES256'

interface KeyMaterial {
  kid: string
  privateKey: CryptoKey
  publicKey: CryptoKey
  jwks: JSONWebKeySet
}

let keys: Promise<KeyMaterial> | undefined
/** Issuer/audience used by {@link mintStaffToken} when none are given: the last HTTP API started sets them. */
let defaults: { issuer: string; audience: string } = { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE }

function keyMaterial(): Promise<KeyMaterial> {
  keys ??= (async () => {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true })
    const kid = randomUUID()
    const jwk = await exportJWK(publicKey)
    return { kid, privateKey, publicKey, jwks: { keys: [{ ...jwk, kid, alg: ALGORITHM, use: 'sig' }] } }
  })()
  return keys
}

/** The public keys, as an IdP publishes them at its JWKS URL. */
export async function localJwks(): Promise<JSONWebKeySet> {
  return (await keyMaterial()).jwks
}

/** Sets the issuer/audience {@link mintStaffToken} uses by default. */
export function setDefaultTokenTarget(target: { issuer: string; audience: string }): void {
  defaults = { ...target }
}

export interface StaffTokenClaims {
  sub: string
  email?: string
  /** Space-separated scopes; default {@link LOCAL_STAFF_SCOPE}; `''` mints a token without a scope claim. */
  scope?: string
  /** Seconds, or a jose time span such as `'1h'`; default 1 hour. */
  expiresIn?: number | string
  /** Default: the issuer of the HTTP API's JWT authorizer (or {@link LOCAL_ISSUER}). */
  issuer?: string
  /** Default: the first audience of that authorizer (or {@link LOCAL_AUDIENCE}). */
  audience?: string
  /** More claims to include. */
  claims?: Record<string, unknown>
}

/**
 * Issues a token the local HTTP API accepts for its JWT-authorized routes (same process only: the
 * key pair lives in memory).
 *
 * @example
 * const token = await mintStaffToken({ sub: 'staff-1', email: 'ops@example.com', scope: 'offers:void' })
 * fetch(`${api.url}/offers/123/void`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
 */
export async function mintStaffToken(claims: StaffTokenClaims): Promise<string> {
  const { kid, privateKey } = await keyMaterial()
  const payload: JWTPayload = { ...claims.claims }
  if (claims.email !== undefined) payload.email = claims.email
  const scope = claims.scope ?? LOCAL_STAFF_SCOPE
  if (scope !== '') payload.scope = scope
  const expiresIn = claims.expiresIn ?? 3600
  return new SignJWT(payload)
    .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(claims.issuer ?? defaults.issuer)
    .setAudience(claims.audience ?? defaults.audience)
    .setIssuedAt()
    .setJti(randomUUID())
    .setExpirationTime(typeof expiresIn === 'number' ? Math.floor(Date.now() / 1000) + expiresIn : expiresIn)
    .sign(privateKey)
}

export type JwtCheck =
  | { ok: true; claims: JWTPayload; scopes: string[] }
  | { ok: false; status: 401 | 403; reason: string }

/** Verifies a bearer token for an authorizer with `issuer`/`audience`, and the route's scopes if any. */
export async function verifyStaffToken(
  token: string | undefined,
  authorizer: { issuer: string; audience: readonly string[] },
  requiredScopes: readonly string[] = [],
): Promise<JwtCheck> {
  if (!token) return { ok: false, status: 401, reason: 'missing token' }
  const { publicKey } = await keyMaterial()
  let claims: JWTPayload
  try {
    ;({ payload: claims } = await jwtVerify(token, publicKey, {
      algorithms: [ALGORITHM],
      issuer: authorizer.issuer,
      requiredClaims: ['exp'],
    }))
  } catch (error) {
    return { ok: false, status: 401, reason: (error as { code?: string }).code ?? 'invalid token' }
  }
  const audiences = [...(Array.isArray(claims.aud) ? claims.aud : [claims.aud]), claims.client_id]
  if (!audiences.some((value) => typeof value === 'string' && authorizer.audience.includes(value))) {
    return { ok: false, status: 401, reason: 'audience mismatch' }
  }
  const scopeClaim = claims.scope ?? claims.scp
  const scopes = Array.isArray(scopeClaim)
    ? scopeClaim.map(String)
    : typeof scopeClaim === 'string'
      ? scopeClaim.split(' ').filter(Boolean)
      : []
  if (requiredScopes.length > 0 && !requiredScopes.some((scope) => scopes.includes(scope))) {
    return { ok: false, status: 403, reason: 'insufficient scope' }
  }
  return { ok: true, claims, scopes }
}

/** Claims as API Gateway puts them in `requestContext.authorizer.jwt.claims`: every value a string. */
export function claimsForEvent(claims: JWTPayload): Record<string, string> {
  const result: Record<string, string> = {}
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue
    if (typeof value === 'string') result[name] = value
    else if (Array.isArray(value)) result[name] = `[${value.join(' ')}]`
    else if (typeof value === 'object' && value !== null) result[name] = JSON.stringify(value)
    else result[name] = String(value)
  }
  return result
}
