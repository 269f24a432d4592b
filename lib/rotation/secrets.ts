import { randomUUID } from 'node:crypto'
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { createSecretReader } from '../aws/secrets'
import type { RotatedTokenSecret, TokenRotationDeps } from './rotateToken'

// One SDK client per container, created on first use (after the endpoint environment is set).
let sharedClient: SecretsManagerClient | undefined
const secretsClient = () => {
  sharedClient ??= new SecretsManagerClient({})
  return sharedClient
}

/** Raised when the token secret cannot be written; names the secret, never the value. */
export class TokenSecretWriteError extends Error {
  override name = 'TokenSecretWriteError'
}

/**
 * The rotation's two secrets in AWS Secrets Manager: reads the credentials secret fresh on every rotation (no
 * cache) and writes the token secret with `PutSecretValue`, which makes the new value `AWSCURRENT` (the previous
 * one stays readable as `AWSPREVIOUS`).
 *
 * @example
 * const store = secretsManagerTokenStore({ credentialsSecretId: 'svc/prod/sparkfly-credentials', tokenSecretId: 'svc/prod/sparkfly' })
 */
export function secretsManagerTokenStore(options: {
  credentialsSecretId: string
  tokenSecretId: string
  client?: SecretsManagerClient
}): Pick<TokenRotationDeps, 'readCredentials' | 'writeToken'> {
  const client = options.client ?? secretsClient()
  const reader = createSecretReader({ client, maxAgeMs: 0 })
  return {
    readCredentials: () => reader.getJson(options.credentialsSecretId, { forceFetch: true }),
    async writeToken(value: RotatedTokenSecret) {
      try {
        const out = await client.send(
          new PutSecretValueCommand({
            SecretId: options.tokenSecretId,
            SecretString: JSON.stringify(value),
            ClientRequestToken: randomUUID(),
          }),
        )
        return out.VersionId ? { versionId: out.VersionId } : {}
      } catch (error) {
        const reason = error instanceof Error ? error.name : 'unknown error'
        throw new TokenSecretWriteError(
          `Could not write the Sparkfly token secret "${options.tokenSecretId}": ${reason}`,
          {
            cause: error,
          },
        )
      }
    },
  }
}
