import { randomBytes, randomInt } from 'node:crypto'

/** Crockford base32: no I, L, O, U, so codes read back unambiguously at a till. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export const Prefix = {
  token: 'sbx_tok_',
  key: 'sbx_key_',
  identity: 'sbx_acct_',
} as const

function randomString(alphabet: string, length: number): string {
  let out = ''
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % alphabet.length)
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length]
      if (out.length === length) break
    }
  }
  return out
}

/**
 * Hands out ids and codes that are unique within one sandbox and not guessable from one another:
 * random 6 to 9 digit integers, random base32 codes.
 */
export class IdSource {
  private readonly ids = new Set<number>()
  private readonly codes = new Set<string>()

  id(): number {
    for (;;) {
      const id = randomInt(100_000, 1_000_000_000)
      if (!this.ids.has(id)) {
        this.ids.add(id)
        return id
      }
    }
  }

  /** A credential identifier (the code a POS scans); unique across offer states and credentials. */
  code(length = 10): string {
    for (;;) {
      const code = randomString(CODE_ALPHABET, length)
      if (!this.codes.has(code)) {
        this.codes.add(code)
        return code
      }
    }
  }

  /** The osid of an offer state. */
  osid(): string {
    return this.unique(() => randomString(BASE62, 64))
  }

  xid(): string {
    return this.unique(() => randomString(BASE62, 8))
  }

  private unique(make: () => string): string {
    for (;;) {
      const value = make()
      if (!this.codes.has(value)) {
        this.codes.add(value)
        return value
      }
    }
  }

  snapshot(): { ids: number[]; codes: string[] } {
    return { ids: [...this.ids], codes: [...this.codes] }
  }

  restore(snapshot: { ids: number[]; codes: string[] }): void {
    this.ids.clear()
    this.codes.clear()
    for (const id of snapshot.ids) this.ids.add(id)
    for (const code of snapshot.codes) this.codes.add(code)
  }
}

export const authToken = (): string => `${Prefix.token}${randomBytes(24).toString('hex')}`
export const accountKey = (): string => `${Prefix.key}${randomBytes(24).toString('hex')}`
export const accountIdentity = (): string => `${Prefix.identity}${randomString(BASE62, 12)}`
/** X-Request-Id and the `trace` of error bodies (32 hex characters, like Sparkfly's). */
export const requestId = (): string => randomBytes(16).toString('hex')
