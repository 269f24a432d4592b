import { tokenRotationDeps } from '../lib/app/rotation'
import { tokenRotationHandler } from '../lib/edge/rotation'

/**
 * Token rotation (EventBridge schedule, every 12 h by default): mints a fresh Sparkfly token from the credentials
 * secret and stores it as `{"token", "expiresAt", ...}` in the Sparkfly secret every handler reads. Returns when
 * the new token expires (never the token).
 */
export const handler = tokenRotationHandler(() => tokenRotationDeps())
