import { getDefaultSecretReader, type SecretReader } from '../aws/secrets'
import {
  checkWebhookHeaders,
  decodeWebhookSecret,
  matchWebhookSignature,
  type VerifiedWebhook,
  WebhookFailure,
  type WebhookHeaders,
  WebhookSecretError,
  WebhookVerificationError,
} from './standardWebhooks'

/** The webhook signing keys, read from Secrets Manager (`{"secrets": ["whsec_...", ...]}`). */
export interface WebhookKeyring {
  /**
   * The current keys (cached with the secret; decoded once per secret value).
   *
   * @throws {WebhookSecretError} when the secret cannot be read or holds no usable key.
   */
  keys(): Promise<readonly Buffer[]>
  /**
   * Re-reads the secret at once (a rotation may have added a key since it was cached), at most once per
   * `minRefreshIntervalMs`; `undefined` when a refresh happened too recently to try again.
   */
  refresh(): Promise<readonly Buffer[] | undefined>
}

/** What is wrong with the webhook secret, as told to {@link WebhookKeyringOptions.onProblem}. */
export const WebhookSecretProblem = {
  /** The secret could not be read (missing, no permission, Secrets Manager failing): no key at all. */
  unreadable: 'unreadable',
  /** The value is not `{"secrets": [...]}` with at least one usable `whsec_` entry: no key at all. */
  invalid: 'invalid',
  /** Some entries are not usable keys; the others are used. */
  brokenEntries: 'broken_entries',
} as const
export type WebhookSecretProblem = (typeof WebhookSecretProblem)[keyof typeof WebhookSecretProblem]

/** One report of a misconfigured webhook secret: never its value. */
export interface WebhookSecretReport {
  secretId: string
  problem: WebhookSecretProblem
  /** Entries that are not usable keys (for `invalid` and `broken_entries`). */
  brokenEntries?: number
}

export interface WebhookKeyringOptions {
  /** Secrets Manager id (or a function returning it, read on first use). */
  secretId: string | (() => string)
  /** Defaults to the container-wide reader (5 minute cache, single-flight). */
  reader?: SecretReader
  /** Least time between two forced re-reads, so bad signatures cannot flood Secrets Manager (default 30 s). */
  minRefreshIntervalMs?: number
  /** After a failed read, how long the failure is answered without asking Secrets Manager again (default 5 s). */
  failureHoldMs?: number
  /** Told at every `keys()` / `refresh()` that finds the secret misconfigured (metrics, alarms, logs). */
  onProblem?: (report: WebhookSecretReport) => void
  /** Clock, for tests. */
  now?: () => number
}

const DEFAULTS = { minRefreshIntervalMs: 30_000, failureHoldMs: 5_000 } as const

interface DecodedSecret {
  source: unknown
  keys: readonly Buffer[]
  broken: number
}

/** The usable keys of a secret value and how many entries are not; throws when none is usable. */
function decodeSecretValue(id: string, value: unknown): DecodedSecret {
  const secrets = (value as { secrets?: unknown } | null)?.secrets
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new WebhookSecretError(
      `Secret "${id}" must be {"secrets": ["whsec_...", ...]} with at least one entry`,
    )
  }
  const keys: Buffer[] = []
  for (const secret of secrets) {
    try {
      keys.push(decodeWebhookSecret(secret))
    } catch (error) {
      if (!(error instanceof WebhookSecretError)) throw error
    }
  }
  if (keys.length === 0) {
    throw new WebhookSecretError(`Secret "${id}": none of its ${secrets.length} entries is a whsec_ key`)
  }
  return { source: value, keys, broken: secrets.length - keys.length }
}

/**
 * Keeps the decoded webhook keys of one secret. Every usable listed secret is accepted (rotation); entries that are
 * not usable keys are skipped and reported (`broken_entries`), so a bad entry added during a rotation does not stop
 * the good ones. A secret that cannot be read, or holds no usable key, throws {@link WebhookSecretError} (naming the
 * secret id, never its value) and is reported; a failed read is held for `failureHoldMs` before Secrets Manager is
 * asked again.
 *
 * @example
 * const keyring = webhookKeyring({ secretId: () => requireSetting(getConfig(), 'WEBHOOK_SECRET_ID') })
 * const keys = await keyring.keys()
 */
export function webhookKeyring(options: WebhookKeyringOptions): WebhookKeyring {
  const now = options.now ?? Date.now
  const minRefreshIntervalMs = options.minRefreshIntervalMs ?? DEFAULTS.minRefreshIntervalMs
  const failureHoldMs = options.failureHoldMs ?? DEFAULTS.failureHoldMs
  const secretId = () => (typeof options.secretId === 'function' ? options.secretId() : options.secretId)
  const reader = () => options.reader ?? getDefaultSecretReader()
  let decoded: DecodedSecret | undefined
  let lastRefresh = Number.NEGATIVE_INFINITY
  let failure: { error: WebhookSecretError; at: number } | undefined

  const report = (id: string, problem: WebhookSecretProblem, brokenEntries?: number) =>
    options.onProblem?.({ secretId: id, problem, ...(brokenEntries ? { brokenEntries } : {}) })

  /** The secret id; a missing setting is a misconfigured secret too (503, reported), not a crash. */
  const configuredId = (): string => {
    try {
      return secretId()
    } catch (cause) {
      report('(not configured)', WebhookSecretProblem.unreadable)
      throw new WebhookSecretError('The webhook secret id is not configured', { cause })
    }
  }
  const read = async (forceFetch: boolean): Promise<readonly Buffer[]> => {
    const id = configuredId()
    if (!forceFetch && failure && now() - failure.at < failureHoldMs) {
      report(id, WebhookSecretProblem.unreadable)
      throw failure.error
    }
    let value: unknown
    try {
      value = await reader().getJson(id, forceFetch ? { forceFetch } : undefined)
      if (!forceFetch) failure = undefined
    } catch (cause) {
      const error = new WebhookSecretError(`Secret "${id}" could not be read`, { cause })
      // Only a plain read is held: a failed forced re-read leaves the cached keys in service.
      if (!forceFetch) failure = { error, at: now() }
      report(id, WebhookSecretProblem.unreadable)
      throw error
    }
    let current: DecodedSecret
    try {
      current = decoded && decoded.source === value ? decoded : decodeSecretValue(id, value)
    } catch (error) {
      report(id, WebhookSecretProblem.invalid)
      throw error
    }
    decoded = current
    if (current.broken > 0) report(id, WebhookSecretProblem.brokenEntries, current.broken)
    return current.keys
  }

  return {
    keys: () => read(false),
    async refresh() {
      if (now() - lastRefresh < minRefreshIntervalMs) return undefined
      lastRefresh = now()
      return read(true)
    },
  }
}

/** A delivery to verify against a keyring: its signature headers and raw body. */
export interface KeyringVerification {
  headers: WebhookHeaders
  body: string | Uint8Array
  toleranceSeconds?: number
  /** Clock (ms), read once for the timestamp window; defaults to the system clock. */
  now?: () => number
}

/**
 * Verifies a delivery with the keyring's keys. The headers are checked first ({@link checkWebhookHeaders}): a
 * request that is unsigned, malformed or stale is refused without reading the secret. When no signature matches, the secret is re-read once (rate limited
 * by the keyring) in case a rotation added a key since it was cached; a failed re-read (a Secrets Manager blip)
 * keeps the original refusal, so a bad signature never turns into a failure of ours.
 *
 * @throws {WebhookVerificationError} with the reason when the delivery is refused.
 * @throws {WebhookSecretError} when the keyring has no usable key (our misconfiguration, not the caller's fault).
 * @example
 * const { id } = await verifyWithKeyring(keyring, { headers, body: event.rawBytes })
 */
export async function verifyWithKeyring(
  keyring: WebhookKeyring,
  input: KeyringVerification,
): Promise<VerifiedWebhook> {
  const now = input.now ?? Date.now
  const checked = checkWebhookHeaders({
    headers: input.headers,
    toleranceSeconds: input.toleranceSeconds,
    now: now(),
  })
  const attempt = (keys: readonly Buffer[]) => matchWebhookSignature(checked, keys, input.body)
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
