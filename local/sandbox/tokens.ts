import { authToken } from './ids'

interface TokenRecord {
  accountId: number
  /** Sandbox-clock ms after which the token no longer works. */
  expiresAtMs: number
  calls: number
}

export type TokenCheck =
  | { ok: true; accountId: number }
  | { ok: false; reason: 'unknown' | 'expired' | 'callLimit' | 'revoked' }

/** The X-Auth-Token tokens handed out by /auth. Lifetimes are measured on the sandbox clock. */
export class Tokens {
  private readonly tokens = new Map<string, TokenRecord>()
  /** Tokens revoked by the admin: they answer 401 from now on (kept so the log can say why). */
  private readonly revoked = new Set<string>()

  constructor(private ttlSeconds: number) {
    this.setTtl(ttlSeconds)
  }

  setTtl(seconds: number): void {
    if (!(Number.isFinite(seconds) && seconds > 0))
      throw new RangeError('token TTL must be a positive number of seconds')
    this.ttlSeconds = seconds
  }

  get ttl(): number {
    return this.ttlSeconds
  }

  mint(accountId: number, nowMs: number): string {
    const token = authToken()
    this.tokens.set(token, { accountId, expiresAtMs: nowMs + this.ttlSeconds * 1000, calls: 0 })
    return token
  }

  /**
   * Checks a token for one API call. `callLimit`: with `tokenExpiresEveryCalls` set, a token answers that
   * many calls; the next one finds it expired (and it is forgotten).
   */
  use(token: string, nowMs: number, callLimit?: number): TokenCheck {
    const record = this.tokens.get(token)
    if (!record) return { ok: false, reason: this.revoked.has(token) ? 'revoked' : 'unknown' }
    if (nowMs >= record.expiresAtMs) {
      this.tokens.delete(token)
      return { ok: false, reason: 'expired' }
    }
    if (callLimit !== undefined && record.calls >= callLimit) {
      this.tokens.delete(token)
      return { ok: false, reason: 'callLimit' }
    }
    record.calls += 1
    return { ok: true, accountId: record.accountId }
  }

  /** Every token issued so far answers 401 from now on; new ones can be minted. */
  revokeAll(): void {
    for (const token of this.tokens.keys()) this.revoked.add(token)
    this.tokens.clear()
  }

  /** This token answers 401 from now on; false when it was never issued (or is already gone). */
  revoke(token: string): boolean {
    if (!this.tokens.delete(token)) return false
    this.revoked.add(token)
    return true
  }
}
