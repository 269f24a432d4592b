import { createHash, timingSafeEqual } from 'node:crypto'
import type { Reply, RequestContext } from '../context'
import { Messages, unauthorized } from '../errors'

const digest = (value: string) => createHash('sha256').update(value).digest()

function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * auth: GET (platform) or POST (offer-states) /auth (also under /v1.0) with X-Auth-Identity and X-Auth-Key ->
 * 204 with X-Auth-Token. When the profile's `authMethod` names one method, the other answers 405 with `Allow`.
 * The key is compared in constant time; no answer says which of the two was wrong.
 */
export function authenticate(ctx: RequestContext): Reply {
  const allowed = ctx.readings.authMethod
  if (allowed !== 'either' && ctx.method !== allowed) {
    return { status: 405, headers: { Allow: allowed }, body: { error: 'Method not allowed' } }
  }
  const identity = header(ctx, 'x-auth-identity')
  const key = header(ctx, 'x-auth-key')
  const account = identity ? ctx.store.accountByIdentity(identity) : undefined
  if (!account || key === undefined || !timingSafeEqual(digest(key), digest(account.key))) {
    throw unauthorized(Messages.invalidCredentials)
  }
  const token = ctx.tokens.mint(account.id, ctx.now.getTime())
  return { status: 204, headers: { 'X-Auth-Token': token } }
}
