import { HttpProblem } from './errors'
import type { HttpEvent, HttpResult } from './http'

/**
 * The HTTP API's routes (API Gateway route keys, as serverless.yml declares them; a unit test keeps the two equal).
 * Anything else reaches the `$default` route and {@link routeNotFound}.
 */
export const DECLARED_ROUTES = [
  'POST /pos/redemptions',
  'POST /staff/offer-states/{offerStateId}/void',
  'POST /staff/credentials/{credentialId}/void',
  'POST /staff/codes/{code}/void',
] as const

interface KnownPath {
  method: string
  path: RegExp
}

const KNOWN: readonly KnownPath[] = DECLARED_ROUTES.map((routeKey) => {
  const [method = '', template = ''] = routeKey.split(' ')
  const pattern = template.replace(/\{[^}]+\}/g, '[^/]+')
  return { method, path: new RegExp(`^${pattern}$`) }
})

/** The methods a declared route accepts on `path` (empty: no route has this path). */
export function allowedMethods(path: string): string[] {
  return [...new Set(KNOWN.filter((known) => known.path.test(path)).map((known) => known.method))]
}

/**
 * The answer of API Gateway's `$default` route, which gets every request no declared route matches: 405 with
 * `Allow` when the path is a route's with another method (PUT, PATCH, DELETE, GET, OPTIONS, HEAD...), 404 otherwise.
 * Always problem+json, never a body's content, and nothing is called.
 *
 * @example
 * export const handler = httpHandler(routeNotFound, { parseJson: false })
 */
export async function routeNotFound(event: HttpEvent): Promise<HttpResult> {
  const path = event.rawPath ?? ''
  const allowed = allowedMethods(path)
  if (allowed.length > 0) {
    throw new HttpProblem(
      405,
      'Method not allowed',
      `This route accepts ${allowed.join(', ')} only.`,
      { reason: 'method_not_allowed' },
      { allow: allowed.join(', ') },
    )
  }
  throw new HttpProblem(404, 'Not found', 'No route matches this method and path.', {
    reason: 'no_route',
  })
}
