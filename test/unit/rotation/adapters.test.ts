import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, it } from 'vitest'
import { tokenRotationDeps } from '../../../lib/app/rotation'
import { type JsonSecretStore, SecretWriteError, secretsManagerJsonStore } from '../../../lib/aws/secretStore'
import { getConfig } from '../../../lib/config'
import { rotateToken } from '../../../lib/rotation'

const BASE_ENV = { LEDGER_TABLE: 'ledger', OFFER_EVENTS_QUEUE_URL: 'http://127.0.0.1:1/queue/events' }

/** A JSON secret store in memory, with a log of what was read and written. */
function memoryStore(secrets: Record<string, unknown>) {
  const reads: string[] = []
  const writes: Array<{ secretId: string; value: unknown }> = []
  const store: JsonSecretStore = {
    read: async (secretId) => {
      reads.push(secretId)
      return secrets[secretId]
    },
    write: async (secretId, value) => {
      writes.push({ secretId, value })
      return { versionId: `v${writes.length}` }
    },
  }
  return { store, reads, writes }
}

describe('tokenRotationDeps (the rotation wired to its secrets and /auth)', () => {
  it('reads the credentials secret and writes the token secret named by the configuration', async () => {
    const env = {
      ...BASE_ENV,
      SPARKFLY_CREDENTIALS_SECRET_ID: 'svc/test/sparkfly-credentials',
      SPARKFLY_SECRET_ID: 'svc/test/sparkfly',
      SPARKFLY_BASE_URL: 'http://127.0.0.1:4010/v1.0',
    }
    const { store, reads, writes } = memoryStore({
      'svc/test/sparkfly-credentials': { identity: 'a', key: 'k' },
    })

    const deps = tokenRotationDeps(getConfig(env), store)

    expect(deps.defaultBaseUrl).toBe('http://127.0.0.1:4010/v1.0')
    expect(deps.sameSecret).toBe(false)
    await expect(deps.readCredentials()).resolves.toEqual({ identity: 'a', key: 'k' })
    await expect(deps.writeToken({ token: 't', expiresAt: 'e', rotatedAt: 'r' })).resolves.toEqual({
      versionId: 'v1',
    })
    expect(reads).toEqual(['svc/test/sparkfly-credentials'])
    expect(writes).toEqual([
      { secretId: 'svc/test/sparkfly', value: { token: 't', expiresAt: 'e', rotatedAt: 'r' } },
    ])
  })

  it('keeps identity and key in the written value when both secrets are one', async () => {
    const env = { ...BASE_ENV, SPARKFLY_CREDENTIALS_SECRET_ID: 'svc/one', SPARKFLY_SECRET_ID: 'svc/one' }
    const { store, writes } = memoryStore({ 'svc/one': { identity: 'acct', key: 'key' } })
    const deps = tokenRotationDeps(getConfig(env), store)
    expect(deps.sameSecret).toBe(true)

    await rotateToken({ ...deps, mint: async () => 'tok' })

    expect(writes[0]?.value).toMatchObject({ identity: 'acct', key: 'key', token: 'tok' })
  })

  it('refuses to run without a credentials secret', () => {
    const env = { ...BASE_ENV, SPARKFLY_SECRET_ID: 'svc/test/sparkfly' }
    expect(() => tokenRotationDeps(getConfig(env), memoryStore({}).store)).toThrow(
      /SPARKFLY_CREDENTIALS_SECRET_ID/,
    )
  })
})

describe('secretsManagerJsonStore', () => {
  const setup = () => {
    const client = new SecretsManagerClient({ region: 'us-east-1' })
    return { mock: mockClient(client), store: secretsManagerJsonStore({ client }) }
  }

  it('reads fresh on every call', async () => {
    const { mock, store } = setup()
    mock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"v":1}' })
      .resolvesOnce({ SecretString: '{"v":2}' })

    await expect(store.read('s')).resolves.toEqual({ v: 1 })
    await expect(store.read('s')).resolves.toEqual({ v: 2 })
    expect(mock.commandCalls(GetSecretValueCommand)).toHaveLength(2)
  })

  it('writes JSON as a new version with its own request token and answers the version id', async () => {
    const { mock, store } = setup()
    mock.on(PutSecretValueCommand).resolves({ VersionId: 'ver-1' })

    await expect(store.write('svc/token', { token: 'tok' })).resolves.toEqual({ versionId: 'ver-1' })
    await store.write('svc/token', { token: 'tok2' })

    const [first, second] = mock.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input)
    expect(first).toMatchObject({ SecretId: 'svc/token', SecretString: '{"token":"tok"}' })
    expect(first?.ClientRequestToken).toEqual(expect.any(String))
    expect(second?.ClientRequestToken).not.toBe(first?.ClientRequestToken)
  })

  it('names the secret but never the value when a write fails', async () => {
    const { mock, store } = setup()
    mock
      .on(PutSecretValueCommand)
      .rejects(new ResourceNotFoundException({ message: 'no such secret', $metadata: {} }))

    const failure = store.write('svc/token', { token: 'tok_secret_value' })

    await expect(failure).rejects.toBeInstanceOf(SecretWriteError)
    await expect(failure).rejects.toMatchObject({ secretId: 'svc/token' })
    await expect(failure).rejects.toThrow(/svc\/token.*ResourceNotFoundException/)
    await expect(failure).rejects.not.toThrow(/tok_secret_value/)
  })
})
