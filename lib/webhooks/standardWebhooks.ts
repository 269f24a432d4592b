import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Standard Webhooks (standardwebhooks.com) signatures, symmetric `v1` scheme:
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "{webhook-id}.{webhook-timestamp}.{raw body}")>` where the key is
 * the base64-decoded secret after its `whsec_` prefix. Several space-separated signatures may be sent (the sender
 * signs with every secret it holds during a rotation); one match is enough.
 */
export const StandardWebhooks = {
  /** Headers, lower-cased (the HTTP chain normalises header names). */
  headers: { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
  /** Prefix of secrets as operators store them. */
  secretPrefix: 'whsec_',
  /** Signature scheme this module produces and accepts. */
  version: 'v1',
  /** Timestamps further than this from our clock (either way) are refused. */
  toleranceSeconds: 5 * 60,
  /** Bounds that stop a hostile header from costing more than a few HMACs. */
  maxIdLength: 256,
  maxSignatureHeaderLength: 1024,
  maxSignatures: 8,
  /** Smallest decoded key accepted (Standard Webhooks recommends 24 to 64 bytes). */
  minKeyBytes: 16,
} as const

/** Why a delivery was refused. */
export const WebhookFailure = {
  missingHeaders: 'missing_headers',
  malformedHeaders: 'malformed_headers',
  /** A signature header sent more than once (API Gateway joins repeated headers with commas). */
  repeatedHeader: 'repeated_header',
  staleTimestamp: 'stale_timestamp',
  futureTimestamp: 'future_timestamp',
  invalidSignature: 'invalid_signature',
} as const
export type WebhookFailure = (typeof WebhookFailure)[keyof typeof WebhookFailure]

/** A delivery whose signature headers are missing, malformed, stale or do not match. Never carries a secret. */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError'
  constructor(
    readonly reason: WebhookFailure,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The webhook keys cannot be had: a configured secret that is not `whsec_<base64>` of a long enough key, a secret
 * value that is not `{"secrets": [...]}` with a usable entry, or a secret that cannot be read. The message names the
 * secret id at most, never a value.
 */
export class WebhookSecretError extends Error {
  override name = 'WebhookSecretError'
}

/** The three signature headers as received (any may be missing). */
export interface WebhookHeaders {
  id?: string | null
  timestamp?: string | null
  signature?: string | null
}

/** What a successful verification established. */
export interface VerifiedWebhook {
  /** The `webhook-id`: the delivery's idempotency key. */
  id: string
  /** The `webhook-timestamp`, unix seconds. */
  timestamp: number
}

const ID_PATTERN = /^[\x21-\x7e]+$/
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/
// 32-byte HMAC-SHA256 in standard base64 (padding optional).
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{43}=?$/
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/
const HMAC_BYTES = 32

const malformed = (message: string) => new WebhookVerificationError(WebhookFailure.malformedHeaders, message)
const repeated = () =>
  new WebhookVerificationError(
    WebhookFailure.repeatedHeader,
    'A signature header was sent more than once (or holds a comma).',
  )

/**
 * Decodes a webhook secret (`whsec_<base64>`; the prefix is optional, as in the reference libraries) to its key.
 *
 * @throws {WebhookSecretError} when the value is not base64 or decodes to fewer than 16 bytes.
 */
export function decodeWebhookSecret(secret: string): Buffer {
  if (typeof secret !== 'string') throw new WebhookSecretError('A webhook secret must be a string')
  const encoded = secret.startsWith(StandardWebhooks.secretPrefix)
    ? secret.slice(StandardWebhooks.secretPrefix.length)
    : secret
  if (!BASE64_PATTERN.test(encoded)) throw new WebhookSecretError('A webhook secret is not whsec_<base64>')
  const key = Buffer.from(encoded, 'base64')
  if (key.length < StandardWebhooks.minKeyBytes) {
    throw new WebhookSecretError(
      `A webhook secret decodes to fewer than ${StandardWebhooks.minKeyBytes} bytes`,
    )
  }
  return key
}

function hmac(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8')
  return (typeof body === 'string' ? mac.update(body, 'utf8') : mac.update(body)).digest()
}

/**
 * Signs a delivery: the value of `webhook-signature` for one secret (`v1,<base64>`).
 *
 * @example
 * const signature = signWebhook({ secret: 'whsec_...', id: 'msg_1', timestamp: 1735689600, body: '{"code":"K7Q2"}' })
 */
export function signWebhook(input: {
  secret: string | Buffer
  id: string
  timestamp: number | string
  /** The body exactly as sent: bytes, or text that is signed as its UTF-8 encoding. */
  body: string | Uint8Array
}): string {
  const key = typeof input.secret === 'string' ? decodeWebhookSecret(input.secret) : input.secret
  return `${StandardWebhooks.version},${hmac(key, input.id, String(input.timestamp), input.body).toString('base64')}`
}

/** The `v1` signatures of a `webhook-signature` header, decoded; other versions are ignored. */
function parseSignatures(header: string): Buffer[] {
  if (header.length > StandardWebhooks.maxSignatureHeaderLength) {
    throw new WebhookVerificationError(
      WebhookFailure.malformedHeaders,
      'The webhook-signature header is too long.',
    )
  }
  const entries = header.split(' ').filter((entry) => entry.length > 0)
  if (entries.length === 0 || entries.length > StandardWebhooks.maxSignatures) {
    throw new WebhookVerificationError(
      WebhookFailure.malformedHeaders,
      `The webhook-signature header must hold 1 to ${StandardWebhooks.maxSignatures} space-separated signatures.`,
    )
  }
  const signatures: Buffer[] = []
  for (const entry of entries) {
    const comma = entry.indexOf(',')
    if (comma <= 0) throw malformed('Each webhook-signature entry must be "<version>,<signature>".')
    // A second comma: the header was sent twice and joined ("v1,<a>,v1,<b>").
    if (entry.indexOf(',', comma + 1) >= 0) throw repeated()
    if (entry.slice(0, comma) !== StandardWebhooks.version) continue
    const encoded = entry.slice(comma + 1)
    if (!SIGNATURE_PATTERN.test(encoded)) {
      throw new WebhookVerificationError(
        WebhookFailure.malformedHeaders,
        'A v1 signature must be the base64 of a 32-byte HMAC-SHA256.',
      )
    }
    signatures.push(Buffer.from(encoded, 'base64'))
  }
  if (signatures.length === 0) {
    throw new WebhookVerificationError(
      WebhookFailure.malformedHeaders,
      'The webhook-signature header has no v1 signature.',
    )
  }
  return signatures
}

/** Signature headers that are present, well formed and within the timestamp window: what is left is the HMAC. */
export interface CheckedWebhookHeaders {
  id: string
  /** The `webhook-timestamp` as received (it is signed as text). */
  timestamp: string
  /** Unix seconds. */
  seconds: number
  /** The decoded `v1` signatures. */
  signatures: readonly Buffer[]
}

/** The header checks that need no key: presence, repetition, format. */
function checkHeaderFormat(headers: WebhookHeaders): Omit<CheckedWebhookHeaders, 'seconds'> {
  const { id, timestamp, signature } = headers
  if (!id || !timestamp || !signature) {
    throw new WebhookVerificationError(
      WebhookFailure.missingHeaders,
      'The webhook-id, webhook-timestamp and webhook-signature headers are all required.',
    )
  }
  // API Gateway joins a header sent twice with a comma: the id and the timestamp never hold one otherwise.
  if (id.includes(',') || timestamp.includes(',')) throw repeated()
  if (id.length > StandardWebhooks.maxIdLength || !ID_PATTERN.test(id)) {
    throw malformed(`The webhook-id must be 1 to ${StandardWebhooks.maxIdLength} visible ASCII characters.`)
  }
  if (!TIMESTAMP_PATTERN.test(timestamp)) throw malformed('The webhook-timestamp must be whole unix seconds.')
  return { id, timestamp, signatures: parseSignatures(signature) }
}

/**
 * Checks what can be checked without a key, so that a request that cannot be valid costs no secret read: the three
 * headers present, each sent once, well formed, and the timestamp within the tolerance of `now` in either direction.
 *
 * @throws {WebhookVerificationError} with the reason (`missing_headers`, `repeated_header`, `malformed_headers`,
 * `stale_timestamp`, `future_timestamp`).
 */
export function checkWebhookHeaders(input: {
  headers: WebhookHeaders
  now?: Date | number
  toleranceSeconds?: number
}): CheckedWebhookHeaders {
  const checked = checkHeaderFormat(input.headers)
  const seconds = Number(checked.timestamp)
  const nowMs =
    input.now === undefined ? Date.now() : typeof input.now === 'number' ? input.now : input.now.getTime()
  const nowSeconds = Math.floor(nowMs / 1000)
  const tolerance = input.toleranceSeconds ?? StandardWebhooks.toleranceSeconds
  if (seconds < nowSeconds - tolerance) {
    throw new WebhookVerificationError(WebhookFailure.staleTimestamp, 'The webhook-timestamp is too old.')
  }
  if (seconds > nowSeconds + tolerance) {
    throw new WebhookVerificationError(
      WebhookFailure.futureTimestamp,
      'The webhook-timestamp is in the future.',
    )
  }
  return { ...checked, seconds }
}

/**
 * Whether one of the checked signatures is the HMAC of the delivery under one of `keys` (constant-time compare).
 *
 * @throws {WebhookVerificationError} `invalid_signature` when none matches.
 */
export function matchWebhookSignature(
  checked: CheckedWebhookHeaders,
  keys: readonly Buffer[],
  body: string | Uint8Array,
): VerifiedWebhook {
  for (const key of keys) {
    const expected = hmac(key, checked.id, checked.timestamp, body)
    for (const candidate of checked.signatures) {
      if (candidate.length === HMAC_BYTES && timingSafeEqual(candidate, expected))
        return { id: checked.id, timestamp: checked.seconds }
    }
  }
  throw new WebhookVerificationError(
    WebhookFailure.invalidSignature,
    'No webhook-signature matches the request with a current secret.',
  )
}

/**
 * Verifies a delivery over its raw body, before anything parses it: {@link checkWebhookHeaders}, then at least one
 * `v1` signature equal (constant-time) to the HMAC under one of `keys` (several keys = a rotation in progress).
 *
 * @throws {WebhookVerificationError} with the reason; its message names no secret and no expected signature.
 * @example
 * const { id } = verifyWebhook({ keys: [decodeWebhookSecret(secret)], headers, body: event.rawBody })
 */
export function verifyWebhook(input: {
  keys: readonly Buffer[]
  headers: WebhookHeaders
  /** The body exactly as sent: bytes, or text that is signed as its UTF-8 encoding. */
  body: string | Uint8Array
  /** Current time (default: the system clock). */
  now?: Date | number
  toleranceSeconds?: number
}): VerifiedWebhook {
  return matchWebhookSignature(checkWebhookHeaders(input), input.keys, input.body)
}
