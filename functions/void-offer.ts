import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import { appContext } from '../lib/app/context'
import { getConfig, requireSetting } from '../lib/config'
import { httpHandler } from '../lib/edge/http'
import { httpIdempotency } from '../lib/edge/idempotency'
import { metrics } from '../lib/observability'
import { handleStaffVoid, requireStaffIdentity, staffVoidMetrics, voidDeps } from '../lib/voiding'

let idempotency: ReturnType<typeof httpIdempotency> | undefined

/** The body limit, read once; an invalid environment is reported by the first request instead of at import. */
function maxBodyBytes(): number | undefined {
  try {
    return getConfig().HTTP_MAX_BODY_BYTES
  } catch {
    return undefined
  }
}

/**
 * Staff API (JWT authorizer `staffJwt`): `POST /staff/offer-states/{offerStateId}/void`,
 * `POST /staff/credentials/{credentialId}/void`, `POST /staff/codes/{code}/void` (docs/voiding.md).
 */
export const handler = httpHandler(
  (event, context) => {
    const app = appContext()
    idempotency ??= httpIdempotency({
      tableName: requireSetting(app.config, 'IDEMPOTENCY_TABLE'),
      scope: 'staff-void',
    })
    return handleStaffVoid(event, context, { voiding: voidDeps(app), idempotency })
  },
  {
    maxBodyBytes: maxBodyBytes(),
    beforeParse: [logMetrics(metrics), staffVoidMetrics(), requireStaffIdentity()],
  },
)
