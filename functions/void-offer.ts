import { httpHandler } from '../lib/edge/http'
import { handleStaffVoid, staffVoidDeps, staffVoidMiddlewares } from '../lib/edge/voiding'

/**
 * Staff API (JWT authorizer `staffJwt`): `POST /staff/offer-states/{offerStateId}/void`,
 * `POST /staff/credentials/{credentialId}/void`, `POST /staff/codes/{code}/void` (docs/voiding.md).
 */
export const handler = httpHandler((event, context) => handleStaffVoid(event, context, staffVoidDeps()), {
  beforeParse: staffVoidMiddlewares(),
})
