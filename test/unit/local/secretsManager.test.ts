import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createSecretReader } from '../../../lib/aws/secrets'
import { type LocalSecretsManager, startSecretsManager } from '../../../local/aws/secretsManager'

describe('startSecretsManager', () => {
  let sm: LocalSecretsManager
  let client: SecretsManagerClient

  beforeAll(async () => {
    sm = await startSecretsManager({
      secrets: { 'seeded/json': { token: 'seeded-token' }, 'seeded/text': 'plain' },
    })
    client = new SecretsManagerClient({ endpoint: sm.url })
  })

  afterAll(async () => {
    client.destroy()
    await sm.stop()
  })

  beforeEach(() => sm.resetCounters())

  it('listens on the loopback interface', () => {
    expect(sm.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('serves seeded secrets, objects as JSON', async () => {
    const json = await client.send(new GetSecretValueCommand({ SecretId: 'seeded/json' }))
    const text = await client.send(new GetSecretValueCommand({ SecretId: 'seeded/text' }))

    expect(JSON.parse(json.SecretString ?? '')).toEqual({ token: 'seeded-token' })
    expect(text.SecretString).toBe('plain')
    expect(json.VersionStages).toEqual(['AWSCURRENT'])
    expect(json.Name).toBe('seeded/json')
    expect(json.CreatedDate).toBeInstanceOf(Date)
  })

  it('creates, reads by name and by ARN, and describes a secret', async () => {
    const created = await client.send(
      new CreateSecretCommand({ Name: 'app/create', SecretString: '{"a":1}', Description: 'for the test' }),
    )

    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:000000000000:secret:app\/create-[A-Za-z0-9]{6}$/,
    )
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: created.ARN }))
    expect(byArn.SecretString).toBe('{"a":1}')
    expect(byArn.VersionId).toBe(created.VersionId)

    const described = await client.send(new DescribeSecretCommand({ SecretId: 'app/create' }))
    expect(described.Description).toBe('for the test')
    expect(described.VersionIdsToStages).toEqual({ [created.VersionId ?? '']: ['AWSCURRENT'] })
    expect(described.LastAccessedDate).toBeInstanceOf(Date)
  })

  it('moves AWSCURRENT to the new version and the old one to AWSPREVIOUS on PutSecretValue', async () => {
    const first = await client.send(new CreateSecretCommand({ Name: 'app/rotate', SecretString: 'v1' }))
    const second = await client.send(
      new PutSecretValueCommand({ SecretId: 'app/rotate', SecretString: 'v2' }),
    )
    const third = await client.send(new PutSecretValueCommand({ SecretId: 'app/rotate', SecretString: 'v3' }))

    expect(third.VersionStages).toEqual(['AWSCURRENT'])
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'app/rotate' }))
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'app/rotate', VersionStage: 'AWSPREVIOUS' }),
    )
    const oldest = await client.send(
      new GetSecretValueCommand({ SecretId: 'app/rotate', VersionId: first.VersionId }),
    )
    expect(current.SecretString).toBe('v3')
    expect(previous.SecretString).toBe('v2')
    expect(previous.VersionId).toBe(second.VersionId)
    expect(oldest.SecretString).toBe('v1')
    expect(oldest.VersionStages).toEqual([])
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'app/rotate' }))
    expect(described.VersionIdsToStages).toEqual({
      [second.VersionId ?? '']: ['AWSPREVIOUS'],
      [third.VersionId ?? '']: ['AWSCURRENT'],
    })
  })

  it('replays a PutSecretValue with the same ClientRequestToken and rejects a different value under it', async () => {
    await client.send(new CreateSecretCommand({ Name: 'app/token', SecretString: 'v1' }))
    const token = 'b3a1c2d4-0000-4000-8000-000000000001'
    const put = await client.send(
      new PutSecretValueCommand({ SecretId: 'app/token', SecretString: 'v2', ClientRequestToken: token }),
    )
    const replay = await client.send(
      new PutSecretValueCommand({ SecretId: 'app/token', SecretString: 'v2', ClientRequestToken: token }),
    )

    expect(put.VersionId).toBe(token)
    expect(replay.VersionId).toBe(token)
    await expect(
      client.send(
        new PutSecretValueCommand({
          SecretId: 'app/token',
          SecretString: 'other',
          ClientRequestToken: token,
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceExistsException)
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'app/token', VersionStage: 'AWSPREVIOUS' }),
    )
    expect(previous.SecretString).toBe('v1')
  })

  it('answers ResourceNotFoundException for an unknown secret, without echoing values', async () => {
    const error = await client
      .send(new GetSecretValueCommand({ SecretId: 'missing/secret' }))
      .catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ResourceNotFoundException)
    expect((error as ResourceNotFoundException).name).toBe('ResourceNotFoundException')
    expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400)
  })

  it('answers ResourceNotFoundException for a secret created without a value', async () => {
    await client.send(new CreateSecretCommand({ Name: 'app/empty' }))

    await expect(client.send(new GetSecretValueCommand({ SecretId: 'app/empty' }))).rejects.toThrow(
      /staging label: AWSCURRENT/,
    )
  })

  it('rejects creating a secret twice with ResourceExistsException', async () => {
    await client.send(new CreateSecretCommand({ Name: 'app/twice', SecretString: 'x' }))

    await expect(
      client.send(new CreateSecretCommand({ Name: 'app/twice', SecretString: 'y' })),
    ).rejects.toBeInstanceOf(ResourceExistsException)
  })

  it('answers an action it does not serve with UnknownOperationException, naming it', async () => {
    const response = await fetch(sm.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'secretsmanager.ListSecrets', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' })
  })

  it('counts requests by AWS action and resets the counters', async () => {
    await client.send(new GetSecretValueCommand({ SecretId: 'seeded/json' }))
    await client.send(new GetSecretValueCommand({ SecretId: 'seeded/json' }))
    await client.send(new DescribeSecretCommand({ SecretId: 'seeded/json' }))
    await client.send(new GetSecretValueCommand({ SecretId: 'missing/secret' })).catch(() => undefined)

    expect(sm.counters()).toEqual({ GetSecretValue: 3, DescribeSecret: 1 })
    sm.resetCounters()
    expect(sm.counters()).toEqual({})
  })

  it('put() stores a new AWSCURRENT version without counting it', async () => {
    sm.put('seeded/text', { rotated: true })
    sm.put('brand/new', 'fresh')

    const rotated = await client.send(new GetSecretValueCommand({ SecretId: 'seeded/text' }))
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'seeded/text', VersionStage: 'AWSPREVIOUS' }),
    )
    const fresh = await client.send(new GetSecretValueCommand({ SecretId: 'brand/new' }))
    expect(JSON.parse(rotated.SecretString ?? '')).toEqual({ rotated: true })
    expect(previous.SecretString).toBe('plain')
    expect(fresh.SecretString).toBe('fresh')
    expect(sm.counters()).toEqual({ GetSecretValue: 3 })
  })

  it('serves the project`s secret reader through AWS_ENDPOINT_URL_SECRETS_MANAGER', async () => {
    const before = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.url
    try {
      sm.put('reader/json', { identity: 'id-1', key: 'k-1' })
      const value = await createSecretReader().getJson('reader/json', { forceFetch: true })

      expect(value).toEqual({ identity: 'id-1', key: 'k-1' })
      expect(sm.counters().GetSecretValue).toBe(1)
    } finally {
      if (before === undefined) delete process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER
      else process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = before
    }
  })
})
