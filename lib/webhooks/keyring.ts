import { getDefaultSecretReader, type SecretReader } from '../aws/secrets'
import {
  decodeWebhookSecret,
  type VerifiedWebhook,
  verifyWebhook,
  WebhookFailure,
  type WebhookHeaders,
  WebhookSecretError,
  WebhookVerificationError,
} from './standardWebhooks'

/** The webhook signing keys, read from Secrets Manager (`{"secrets": ["whsec_...", ...]}`). */
export interface WebhookKeyring {
  /** The current keys (cached with the secret; decoded once per secret value). */
  keys(): Promise<readonly Buffer[]>
  /**
   * Re-reads the secret at once (a rotation may have added a key since it was cached), at most once per
   * `minRefreshIntervalMs`; `undefined` when a refresh happened too recently to try again.
   */
  refresh(): Promise<readonly Buffer[] | undefined>
}

export interface WebhookKeyringOptions {
  /** Secrets Manager id (or a function returning it, read on first use). */
  secretId: string | (() => string)
  /** Defaults to the container-wide reader (5 minute cache, single-flight). */
  reader?: SecretReader
  /** Least time between two forced re-reads, so bad signatures cannot flood Secrets Manager (default 30 s). */
  minRefreshIntervalMs?: number
  /** Clock, for tests. */
  now?: () => number
}

const DEFAULTS = { minRefreshIntervalMs: 30_000 } as const

/**
 * Keeps the decoded webhook keys of one secret. Every listed secret is accepted (rotation); a secret value that is
 * not `{"secrets": [...]}` of `whsec_` keys throws {@link WebhookSecretError} naming the secret id, never its value.
 *
 * @example
 * const keyring = webhookKeyring({ secretId: () => requireSetting(getConfig(), 'WEBHOOK_SECRET_ID') })
 * const keys = await keyring.keys()
 */
export function webhookKeyring(options: WebhookKeyringOptions): WebhookKeyring {
  const now = options.now ?? Date.now
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? DEFAULTS.minRefreshIntervalMs
  const secretId = () => (typeof options.secretId === 'function' ? options.secretId() : options.secretId)
  const reader = () => options.reader ?? getDefaultSecretReader()
  let decoded: { source: unknown; keys: readonly Buffer[] } | undefined
  let lastRefresh = Number.NEGATIVE_INFINITY

  const decode = (id: string, value: unknown): readonly Buffer[] => {
    if (decoded && decoded.source === value) return decoded.keys
    const secrets = (value as { secrets?: unknown } | null)?.secrets
    if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((s) => typeof s === 'string')) {
      throw new WebhookSecretError(
        `Secret "${id}" must be {"secrets": ["whsec_...", ...]} with at least one entry`,
      )
    }
    const keys = secrets.map((secret, index) => {
      try {
        return decodeWebhookSecret(secret)
      } catch (error) {
        throw new WebhookSecretError(`Secret "${id}": entry ${index}: ${(error as Error).message}`)
      }
    })
    decoded = { source: value, keys }
    return keys
  }

  return {
    async keys() {
      const id = secretId()
      return decode(id, await reader().getJson(id))
    },
    async refresh() {
      if (now() - lastRefresh < minRefreshIntervalMs) return undefined
      lastRefresh = now()
      const id = secretId()
      return decode(id, await reader().getJson(id, { forceFetch: true }))
    },
  }
}

/** A delivery to verify against a keyring: its signature headers and raw body. */
export interface KeyringVerification {
  headers: WebhookHeaders
  body: string | Uint8Array
  toleranceSeconds?: number
  /** Clock (ms), read at each attempt; defaults to the system clock. */
  now?: () => number
}

/**
 * Verifies a delivery with the keyring's keys. When no signature matches, the secret is re-read once (rate limited
 * by the keyring) in case a rotation added a key since it was cached; a failed re-read (a Secrets Manager blip)
 * keeps the original refusal, so a bad signature never turns into a failure of ours.
 *
 * @throws {WebhookVerificationError} with the reason when the delivery is refused.
 * @example
 * const { id } = await verifyWithKeyring(keyring, { headers, body: event.rawBytes })
 */
export async function verifyWithKeyring(
  keyring: WebhookKeyring,
  input: KeyringVerification,
): Promise<VerifiedWebhook> {
  const now = input.now ?? Date.now
  const attempt = (keys: readonly Buffer[]) =>
    verifyWebhook({
      headers: input.headers,
      body: input.body,
      toleranceSeconds: input.toleranceSeconds,
      keys,
      now: now(),
    })
  try {
    return attempt(await keyring.keys())
  } catch (error) {
    if (!(error instanceof WebhookVerificationError) || error.reason !== WebhookFailure.invalidSignature)
      throw error
    const refreshed = await keyring.refresh().catch(() => undefined)
    if (!refreshed) throw error
    return attempt(refreshed)
  }
}
