import { randomUUID } from 'node:crypto'
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { environmentCredentials } from './credentials'
import { createSecretReader } from './secrets'

/** JSON secrets read fresh and written as new current versions. */
export interface JsonSecretStore {
  /** The secret's current JSON value, read now (never from a cache). Throws `SecretReadError`. */
  read(secretId: string): Promise<unknown>
  /** Stores `value` as JSON, as the secret's new current version. Throws {@link SecretWriteError}. */
  write(secretId: string, value: unknown): Promise<{ versionId?: string }>
}

/** Thrown when a secret cannot be written. Names the secret id and the SDK error's name, never the value. */
export class SecretWriteError extends Error {
  override name = 'SecretWriteError'
  constructor(
    readonly secretId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

// One SDK client per container, created on first use (after the endpoint environment is set).
let sharedClient: SecretsManagerClient | undefined
const defaultClient = () => {
  sharedClient ??= new SecretsManagerClient({ credentials: environmentCredentials })
  return sharedClient
}

/**
 * A {@link JsonSecretStore} over AWS Secrets Manager: `GetSecretValue` on every read (no cache), `PutSecretValue`
 * (with a fresh `ClientRequestToken`) on every write, which makes the new value `AWSCURRENT` and keeps the previous
 * one readable as `AWSPREVIOUS`.
 *
 * @example
 * const store = secretsManagerJsonStore()
 * const { versionId } = await store.write('svc/prod/sparkfly', { token, expiresAt })
 */
export function secretsManagerJsonStore(options: { client?: SecretsManagerClient } = {}): JsonSecretStore {
  const client = options.client ?? defaultClient()
  const reader = createSecretReader({ client, maxAgeMs: 0 })
  return {
    read: (secretId) => reader.getJson(secretId, { forceFetch: true }),
    async write(secretId, value) {
      try {
        const out = await client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            SecretString: JSON.stringify(value),
            ClientRequestToken: randomUUID(),
          }),
        )
        return out.VersionId ? { versionId: out.VersionId } : {}
      } catch (error) {
        const reason = error instanceof Error ? error.name : 'unknown error'
        throw new SecretWriteError(secretId, `Could not write secret "${secretId}": ${reason}`, {
          cause: error,
        })
      }
    },
  }
}
