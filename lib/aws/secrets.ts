import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { environmentCredentials } from './credentials'

/** Reads JSON secrets from AWS Secrets Manager, with caching and single-flight reads. */
export interface SecretReader {
  /**
   * Returns the secret's JSON value.
   *
   * Served from the cache while it is younger than `maxAgeMs`; concurrent callers share one
   * `GetSecretValue`. `forceFetch` skips the cache (e.g. after the secret was rejected); it still
   * joins a read that is already in flight, since that read is at least as fresh.
   */
  getJson<T = unknown>(secretId: string, options?: { forceFetch?: boolean }): Promise<T>
}

/** Options of {@link createSecretReader}. */
export interface SecretReaderOptions {
  /** SDK client to use; defaults to one client shared by the whole container. */
  client?: SecretsManagerClient
  /** How long a value is served from the cache before it is read again (default 5 minutes). */
  maxAgeMs?: number
  /** Clock, for tests. */
  now?: () => number
}

/** Thrown when a secret cannot be read or is not JSON. Names the secret id, never its value. */
export class SecretReadError extends Error {
  /** The secret that could not be read. */
  readonly secretId: string

  constructor(secretId: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SecretReadError'
    this.secretId = secretId
  }
}

const DEFAULTS = {
  maxAgeMs: 5 * 60 * 1000,
} as const

// One SDK client per container (created on first use so that the region and
// AWS_ENDPOINT_URL_SECRETS_MANAGER are read when the first secret is needed, not at import).
let sharedClient: SecretsManagerClient | undefined

function getSharedClient(): SecretsManagerClient {
  sharedClient ??= new SecretsManagerClient({ credentials: environmentCredentials })
  return sharedClient
}

interface CacheEntry {
  value: unknown
  fetchedAt: number
}

/**
 * Creates a {@link SecretReader}: per-secret cache, single-flight reads, `forceFetch`.
 *
 * If a refresh of an expired entry fails, the previous value is served (a Secrets Manager blip must
 * not fail every invocation); a `forceFetch` never falls back to the previous value.
 *
 * @example
 * ```ts
 * const secrets = createSecretReader()
 * const { token } = await secrets.getJson<{ token: string }>(process.env.SPARKFLY_SECRET_ID!)
 * ```
 */
export function createSecretReader(options: SecretReaderOptions = {}): SecretReader {
  const maxAgeMs = options.maxAgeMs ?? DEFAULTS.maxAgeMs
  const now = options.now ?? Date.now
  const cache = new Map<string, CacheEntry>()
  const inFlight = new Map<string, Promise<unknown>>()

  const fetchSecret = (secretId: string): Promise<unknown> => {
    const pending = inFlight.get(secretId)
    if (pending) return pending
    const client = options.client ?? getSharedClient()
    const read = (async () => {
      let output: GetSecretValueCommandOutput
      try {
        output = await client.send(new GetSecretValueCommand({ SecretId: secretId }))
      } catch (error) {
        const reason = error instanceof Error ? error.name : 'unknown error'
        throw new SecretReadError(secretId, `Could not read secret "${secretId}": ${reason}`, {
          cause: error,
        })
      }
      const text =
        output.SecretString ??
        (output.SecretBinary ? Buffer.from(output.SecretBinary).toString('utf8') : undefined)
      if (text === undefined) throw new SecretReadError(secretId, `Secret "${secretId}" has no value`)
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch {
        // JSON.parse's own message quotes the input: never surface it.
        throw new SecretReadError(secretId, `Secret "${secretId}" is not valid JSON`)
      }
      cache.set(secretId, { value, fetchedAt: now() })
      return value
    })()
    inFlight.set(secretId, read)
    // Clear the in-flight slot whatever happens; callers observe `read` itself.
    read.then(
      () => inFlight.delete(secretId),
      () => inFlight.delete(secretId),
    )
    return read
  }

  return {
    async getJson<T = unknown>(secretId: string, getOptions?: { forceFetch?: boolean }): Promise<T> {
      if (typeof secretId !== 'string' || secretId.length === 0) {
        throw new SecretReadError(String(secretId), 'A secret id is required')
      }
      const cached = cache.get(secretId)
      if (getOptions?.forceFetch) return (await fetchSecret(secretId)) as T
      if (cached && now() - cached.fetchedAt < maxAgeMs) return cached.value as T
      try {
        return (await fetchSecret(secretId)) as T
      } catch (error) {
        if (cached) return cached.value as T
        throw error
      }
    },
  }
}

let sharedReader: SecretReader | undefined

/**
 * The container-wide {@link SecretReader} (shared SDK client, default 5 minute cache), created once.
 */
export function getDefaultSecretReader(): SecretReader {
  sharedReader ??= createSecretReader()
  return sharedReader
}
