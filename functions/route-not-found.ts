import { httpHandler } from '../lib/edge/http'
import { routeNotFound } from '../lib/edge/routes'

/** The HTTP API's `$default` route: 404 / 405 problem+json for any request no declared route matches. */
export const handler = httpHandler(routeNotFound, { parseJson: false })
