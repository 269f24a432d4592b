import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { Context } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSecretReader } from '../../lib/aws/secrets'
import type { RotationResult } from '../../lib/rotation'
import { createSparkflyClient, SparkflyAuthenticationError, type SparkflyClient } from '../../lib/sparkfly'
import { lambdaContext } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

const T0 = '2026-03-01T00:00:00.000Z'
const HOUR = 3_600_000
const CREDENTIALS_SECRET = 'sparkfly/credentials'

let system: TestSystem
let secrets: SecretsManagerClient
let handler: (event: unknown, context: Context) => Promise<RotationResult>

beforeAll(async () => {
  // Handlers read {"token"}; the rotation reads {"identity","key"} from a second secret.
  system = await startTestSystem({
    secretForm: 'token',
    sandbox: { now: T0, freezeClock: true },
    env: { SPARKFLY_CREDENTIALS_SECRET_ID: CREDENTIALS_SECRET },
  })
  system.aws.secretsManager.put(CREDENTIALS_SECRET, {
    identity: system.sandbox.account.identity,
    key: system.sandbox.account.key,
  })
  secrets = new SecretsManagerClient({
    endpoint: system.aws.endpoints.secretsManager,
    region: system.aws.region,
  })
  ;({ handler } = await import('../../functions/rotate-token'))
})
afterAll(async () => {
  secrets?.destroy()
  await system?.stop()
})

/** A handler's view of Sparkfly: a client that reads the token secret (5-minute cache, re-read after a 401). */
const reader = (): SparkflyClient =>
  createSparkflyClient({
    baseUrl: system.sandbox.url,
    secretId: system.aws.secretIds.sparkfly,
    secretReader: createSecretReader({ client: secrets }),
  })
const member = () => system.sandbox.fixtures.members[0]!.id
const tokenSecret = async () =>
  JSON.parse(
    (await secrets.send(new GetSecretValueCommand({ SecretId: system.aws.secretIds.sparkfly })))
      .SecretString ?? '{}',
  ) as { token?: string; expiresAt?: string; rotatedAt?: string }
const rejectedCalls = () => system.sandbox.admin.requests().filter((r) => r.status === 401).length
const rotate = () => handler({}, lambdaContext({ timeoutMs: 30_000 }))

describe('rotate-token (handler against the sandbox and local Secrets Manager)', () => {
  it('a reader of an unrotated token fails once it expires; after a rotation the reader re-reads and succeeds', async () => {
    // given a handler that read the token secret and uses it
    const handlerClient = reader()
    await expect(
      handlerClient.offerStates.list(member(), { channel_id: system.sandbox.fixtures.channelId }),
    ).resolves.toBeDefined()
    const original = await tokenSecret()

    // when the token's 24 h lifetime passes without a rotation
    system.sandbox.admin.clock.advance(25 * HOUR)

    // then its calls fail with 401, even after re-reading the secret (it still holds the expired token)
    await expect(
      handlerClient.offerStates.list(member(), { channel_id: system.sandbox.fixtures.channelId }),
    ).rejects.toBeInstanceOf(SparkflyAuthenticationError)

    // when the rotation runs
    const putsBefore = system.aws.secretsManager.counters().PutSecretValue ?? 0
    const result = await rotate()

    // then the secret holds a new token with its expiry, and the function never returns the token
    const rotated = await tokenSecret()
    expect(rotated.token).toEqual(expect.any(String))
    expect(rotated.token).not.toBe(original.token)
    expect(Date.parse(rotated.expiresAt ?? '') - Date.parse(rotated.rotatedAt ?? '')).toBe(24 * HOUR)
    expect(result).toMatchObject({ expiresAt: rotated.expiresAt, baseUrl: system.sandbox.url })
    expect(JSON.stringify(result)).not.toContain(rotated.token)
    expect(system.aws.secretsManager.counters().PutSecretValue).toBe(putsBefore + 1)
    // and the same handler, after one 401 on its cached token, re-reads the secret and succeeds
    await expect(
      handlerClient.offerStates.list(member(), { channel_id: system.sandbox.fixtures.channelId }),
    ).resolves.toBeDefined()
  })

  it('rotating every 12 h keeps every cached token valid: a fresh reader never sees a 401', async () => {
    // given a rotation, and a handler that caches the token it read
    await rotate()
    const early = reader()
    await early.offerStates.list(member(), { channel_id: system.sandbox.fixtures.channelId })

    // when 12 h later the next rotation runs, and 13 h after that the first token has expired
    system.sandbox.admin.clock.advance(12 * HOUR)
    await rotate()
    system.sandbox.admin.clock.advance(13 * HOUR)

    // then a handler that read the secret after the rotation works without a single 401
    const before = rejectedCalls()
    const late = reader()
    await expect(
      late.offerStates.list(member(), { channel_id: system.sandbox.fixtures.channelId }),
    ).resolves.toBeDefined()
    expect(rejectedCalls()).toBe(before)
    // and the one still caching the expired token recovers after exactly one 401
    await expect(
      early.offerStates.list(member(), { channel_id: system.sandbox.fixtures.channelId }),
    ).resolves.toBeDefined()
    expect(rejectedCalls()).toBe(before + 1)
  })

  it('with wrong credentials it fails loudly, writes nothing and leaks no key', async () => {
    const current = await tokenSecret()
    system.aws.secretsManager.put(CREDENTIALS_SECRET, {
      identity: system.sandbox.account.identity,
      key: 'sbx_key_wrong_wrong_wrong',
    })
    try {
      const failure = rotate()
      await expect(failure).rejects.toBeInstanceOf(SparkflyAuthenticationError)
      await expect(failure).rejects.not.toThrow(/sbx_key_wrong/)
      expect(await tokenSecret()).toEqual(current)
    } finally {
      system.aws.secretsManager.put(CREDENTIALS_SECRET, {
        identity: system.sandbox.account.identity,
        key: system.sandbox.account.key,
      })
    }
  })
})
