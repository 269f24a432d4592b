// Token rotation: mints a fresh Sparkfly token and stores it where every handler reads it. Transport-free: the
// adapters (Secrets Manager, /auth) are wired in lib/app/rotation.ts, the scheduled edge is lib/edge/rotation.ts.

export {
  type RotatedTokenSecret,
  type RotationResult,
  rotateToken,
  SPARKFLY_TOKEN_LIFETIME_MS,
  type SparkflyCredentials,
  type TokenRotationDeps,
  TokenRotationError,
} from './rotateToken'
