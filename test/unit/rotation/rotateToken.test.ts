import { describe, expect, it } from 'vitest'
import {
  type RotatedTokenSecret,
  rotateToken,
  type TokenRotationDeps,
  TokenRotationError,
} from '../../../lib/rotation/rotateToken'

const NOW = new Date('2026-03-01T06:00:00.000Z')

function fakes(credentials: unknown, overrides: Partial<TokenRotationDeps> = {}) {
  const written: RotatedTokenSecret[] = []
  const minted: Array<{ identity: string; key: string; baseUrl: string }> = []
  const deps: TokenRotationDeps = {
    readCredentials: async () => credentials,
    mint: async (request) => {
      minted.push(request)
      return `tok_${minted.length}`
    },
    writeToken: async (value) => {
      written.push(value)
      return { versionId: `v${written.length}` }
    },
    defaultBaseUrl: 'https://api.sparkfly.com/v1.0',
    now: () => NOW,
    ...overrides,
  }
  return { deps, written, minted }
}

describe('rotateToken', () => {
  it('mints from identity + key and stores the token with its expiry, 24 h after minting', async () => {
    const { deps, written, minted } = fakes({ identity: 'acct_1', key: 'sbx_key_secret' })

    const result = await rotateToken(deps)

    expect(minted).toEqual([
      { identity: 'acct_1', key: 'sbx_key_secret', baseUrl: 'https://api.sparkfly.com/v1.0' },
    ])
    expect(written).toEqual([
      { token: 'tok_1', expiresAt: '2026-03-02T06:00:00.000Z', rotatedAt: '2026-03-01T06:00:00.000Z' },
    ])
    expect(result).toEqual({
      rotatedAt: '2026-03-01T06:00:00.000Z',
      expiresAt: '2026-03-02T06:00:00.000Z',
      baseUrl: 'https://api.sparkfly.com/v1.0',
      versionId: 'v1',
    })
    expect(JSON.stringify(result)).not.toContain('tok_1')
  })

  it('carries the credentials secret baseUrl into the token secret and uses it for /auth', async () => {
    const { deps, written, minted } = fakes({
      identity: 'a',
      key: 'k',
      baseUrl: 'http://127.0.0.1:4010/v1.0',
    })

    await rotateToken(deps)

    expect(minted[0]?.baseUrl).toBe('http://127.0.0.1:4010/v1.0')
    expect(written[0]?.baseUrl).toBe('http://127.0.0.1:4010/v1.0')
  })

  it('keeps identity and key when the token secret is also the credentials secret', async () => {
    const { deps, written } = fakes({ identity: 'acct_1', key: 'key_1' }, { sameSecret: true })

    await rotateToken(deps)

    expect(written[0]).toMatchObject({ identity: 'acct_1', key: 'key_1', token: 'tok_1' })
  })

  it('refuses an invalid credentials secret without writing, naming fields but never values', async () => {
    const { deps, written, minted } = fakes({ identity: 'acct_1', key: '', token: 'tok_old_value' })

    const rotation = rotateToken(deps)

    await expect(rotation).rejects.toBeInstanceOf(TokenRotationError)
    await expect(rotation).rejects.toThrow(/check: key/)
    await expect(rotation).rejects.not.toThrow(/acct_1|tok_old_value/)
    expect(minted).toHaveLength(0)
    expect(written).toHaveLength(0)
  })

  it('writes nothing when /auth fails, so readers keep the previous token', async () => {
    const { deps, written } = fakes(
      { identity: 'a', key: 'k' },
      {
        mint: async () => {
          throw new Error('Sparkfly auth failed with HTTP 401')
        },
      },
    )

    await expect(rotateToken(deps)).rejects.toThrow(/401/)
    expect(written).toHaveLength(0)
  })
})
