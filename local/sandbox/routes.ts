/**
 * The API's index: every Sparkfly route the sandbox answers, top to bottom, with its operation name and
 * resolver. Paths are relative to the base path /v1.0 (/auth is also answered at the root, where both
 * specs put it). The first matching row wins, so literal segments come before `:params`.
 */
import type { Resolver } from './context'
import { authenticate } from './resolvers/auth'
import {
  createCredential,
  credentialEligibility,
  deleteCredential,
  getCredential,
  listCredentials,
  redeemCredential,
  updateCredential,
  voidCredential,
} from './resolvers/credentials'
import {
  createOfferStateFromQuery,
  getOfferState,
  getOfferStateByOffer,
  issueOfferState,
  issueOfferStateForMember,
  listOfferStates,
  queryOfferStates,
  redeemOfferState,
  updateOfferState,
  voidOfferState,
  voidOfferStateByMemberIdentifier,
} from './resolvers/offerStates'
import { memberActivities, offerActivityReport } from './resolvers/reports'
import type { OperationName } from './types'

export const BASE_PATH = '/v1.0'

export interface Route {
  method: string
  path: string
  operation: OperationName
  resolve: Resolver
  pattern: RegExp
  names: string[]
}

function route(method: string, path: string, operation: OperationName, resolve: Resolver): Route {
  const names: string[] = []
  const source = path.replace(/:([a-z_]+)/g, (_, name: string) => {
    names.push(name)
    return '([^/]+)'
  })
  return { method, path, operation, resolve, pattern: new RegExp(`^${source}$`), names }
}

export const routes: readonly Route[] = [
  // Authentication (GET in the platform spec, POST in the offer-states spec: both accepted)
  route('GET', '/auth', 'auth', authenticate),
  route('POST', '/auth', 'auth', authenticate),

  // Credentials
  route('POST', '/credentials', 'credentials.create', createCredential),
  route('GET', '/credentials', 'credentials.list', listCredentials),
  route('GET', '/credentials/eligible', 'credentials.eligibility', credentialEligibility),
  route('GET', '/credentials/:credential_id', 'credentials.get', getCredential),
  route('PUT', '/credentials/:credential_id', 'credentials.update', updateCredential),
  route('DELETE', '/credentials/:credential_id', 'credentials.delete', deleteCredential),
  route('PUT', '/credentials/:credential_id/redeem', 'credentials.redeem', redeemCredential),
  route('PUT', '/credentials/:credential_id/void', 'credentials.void', voidCredential),

  // Offer states
  route('POST', '/members/offer_states/issue', 'offerStates.issue', issueOfferState),
  route('POST', '/members/offer_states', 'offerStates.createFromQuery', createOfferStateFromQuery),
  route('GET', '/members/offer_states', 'offerStates.query', queryOfferStates),
  route(
    'POST',
    '/members/offer_states/:offerstate_id/void',
    'offerStates.voidByMemberIdentifier',
    voidOfferStateByMemberIdentifier,
  ),
  route('GET', '/members/:member_id/offer_states', 'offerStates.list', listOfferStates),
  route('POST', '/members/:member_id/offer_states', 'offerStates.issueForMember', issueOfferStateForMember),
  route('GET', '/members/:member_id/offers/:offer_id', 'offerStates.getByOffer', getOfferStateByOffer),
  route('GET', '/members/:member_id/offer_states/:offerstate_id', 'offerStates.get', getOfferState),
  route('PUT', '/members/:member_id/offer_states/:offerstate_id', 'offerStates.update', updateOfferState),
  route('POST', '/members/:member_id/offer_states/:offerstate_id', 'offerStates.redeem', redeemOfferState),
  route('POST', '/members/:member_id/offer_states/:offerstate_id/void', 'offerStates.void', voidOfferState),

  // Reports and activities
  route('GET', '/reports/offer_activity', 'reports.offerActivity', offerActivityReport),
  route('GET', '/activities/offers', 'activities.offers', memberActivities),
]

export interface RouteMatch {
  route: Route
  params: Record<string, string>
}

/**
 * Finds the route for a request path (with or without the /v1.0 prefix for /auth; a trailing `.json`,
 * which Sparkfly accepts as a format extension, is ignored).
 */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  let path = pathname.endsWith('.json') ? pathname.slice(0, -'.json'.length) : pathname
  if (path.startsWith(`${BASE_PATH}/`)) path = path.slice(BASE_PATH.length)
  else if (path !== '/auth') return undefined
  for (const candidate of routes) {
    if (candidate.method !== method) continue
    const found = candidate.pattern.exec(path)
    if (!found) continue
    const params: Record<string, string> = {}
    candidate.names.forEach((name, i) => {
      params[name] = safeDecode(found[i + 1] ?? '')
    })
    return { route: candidate, params }
  }
  return undefined
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
