export { createTokenMinter, type TokenMinterOptions } from './minter'
export {
  type RotatedTokenSecret,
  type RotationResult,
  rotateToken,
  SPARKFLY_TOKEN_LIFETIME_MS,
  type SparkflyCredentials,
  type TokenRotationDeps,
  TokenRotationError,
} from './rotateToken'
export { secretsManagerTokenStore, TokenSecretWriteError } from './secrets'
export { tokenRotationDepsFrom } from './wiring'
