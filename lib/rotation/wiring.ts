import { type AppConfig, requireSetting } from '../config'
import { sparkflyConfigFromEnv } from '../sparkfly'
import { createTokenMinter } from './minter'
import type { TokenRotationDeps } from './rotateToken'
import { secretsManagerTokenStore } from './secrets'

/**
 * The rotation's adapters from the environment: `SPARKFLY_CREDENTIALS_SECRET_ID` (read), `SPARKFLY_SECRET_ID`
 * (written), `SPARKFLY_BASE_URL`, `SPARKFLY_AUTH_METHOD`, `SPARKFLY_TIMEOUT_MS`, `SPARKFLY_MAX_RETRIES`.
 */
export function tokenRotationDepsFrom(
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
): TokenRotationDeps {
  const credentialsSecretId = requireSetting(config, 'SPARKFLY_CREDENTIALS_SECRET_ID')
  const sparkfly = sparkflyConfigFromEnv(env)
  return {
    ...secretsManagerTokenStore({ credentialsSecretId, tokenSecretId: sparkfly.secretId }),
    mint: createTokenMinter({
      ...(sparkfly.authMethod ? { authMethod: sparkfly.authMethod } : {}),
      ...(sparkfly.timeoutMs ? { timeoutMs: sparkfly.timeoutMs } : {}),
      ...(sparkfly.maxRetries !== undefined ? { maxRetries: sparkfly.maxRetries } : {}),
    }),
    defaultBaseUrl: sparkfly.baseUrl ?? 'https://api.sparkfly.com/v1.0',
    sameSecret: credentialsSecretId === sparkfly.secretId,
  }
}
