import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import { mockClient } from 'aws-sdk-client-mock'
import { describe, expect, it } from 'vitest'
import { createSecretReader, SecretReadError } from '../../../lib/aws/secrets'

const SECRET_ID = 'test/sparkfly'

function setup(maxAgeMs = 60_000) {
  const client = new SecretsManagerClient({ region: 'us-east-1' })
  const mock = mockClient(client)
  let now = 1_000_000
  const reader = createSecretReader({ client, maxAgeMs, now: () => now })
  const calls = () => mock.commandCalls(GetSecretValueCommand).length
  return {
    mock,
    reader,
    calls,
    advance: (ms: number) => {
      now += ms
    },
  }
}

function delayed<T>(value: T, ms = 20): () => Promise<T> {
  return () => new Promise((resolve) => setTimeout(() => resolve(value), ms))
}

describe('createSecretReader', () => {
  it('parses the JSON value and caches it for maxAgeMs', async () => {
    const { mock, reader, calls, advance } = setup(60_000)
    mock.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: '{"token":"t-1"}' })
    await expect(reader.getJson(SECRET_ID)).resolves.toEqual({ token: 't-1' })
    advance(59_000)
    await expect(reader.getJson(SECRET_ID)).resolves.toEqual({ token: 't-1' })
    expect(calls()).toBe(1)
    mock.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: '{"token":"t-2"}' })
    advance(2_000)
    await expect(reader.getJson(SECRET_ID)).resolves.toEqual({ token: 't-2' })
    expect(calls()).toBe(2)
  })

  it('shares one GetSecretValue among 100 concurrent callers', async () => {
    const { mock, reader, calls } = setup()
    mock.on(GetSecretValueCommand).callsFake(delayed({ SecretString: '{"identity":"i","key":"k"}' }))
    const values = await Promise.all(Array.from({ length: 100 }, () => reader.getJson(SECRET_ID)))
    expect(values.every((v) => JSON.stringify(v) === '{"identity":"i","key":"k"}')).toBe(true)
    expect(calls()).toBe(1)
  })

  it('reads again on forceFetch', async () => {
    const { mock, reader, calls } = setup()
    mock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"token":"old"}' })
      .resolves({ SecretString: '{"token":"new"}' })
    await reader.getJson(SECRET_ID)
    await expect(reader.getJson(SECRET_ID, { forceFetch: true })).resolves.toEqual({ token: 'new' })
    await expect(reader.getJson(SECRET_ID)).resolves.toEqual({ token: 'new' })
    expect(calls()).toBe(2)
  })

  it('caches per secret id', async () => {
    const { mock, reader, calls } = setup()
    mock.on(GetSecretValueCommand, { SecretId: 'a' }).resolves({ SecretString: '{"v":"a"}' })
    mock.on(GetSecretValueCommand, { SecretId: 'b' }).resolves({ SecretString: '{"v":"b"}' })
    await expect(reader.getJson('a')).resolves.toEqual({ v: 'a' })
    await expect(reader.getJson('b')).resolves.toEqual({ v: 'b' })
    await reader.getJson('a')
    expect(calls()).toBe(2)
  })

  it('reads SecretBinary', async () => {
    const { mock, reader } = setup()
    mock
      .on(GetSecretValueCommand)
      .resolves({ SecretBinary: new TextEncoder().encode('{"secrets":["whsec_x"]}') })
    await expect(reader.getJson(SECRET_ID)).resolves.toEqual({ secrets: ['whsec_x'] })
  })

  it('names the secret but never quotes a value that is not JSON', async () => {
    const { mock, reader } = setup()
    mock.on(GetSecretValueCommand).resolves({ SecretString: 'hunter2-plain-secret' })
    const error = await reader.getJson(SECRET_ID).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretReadError)
    expect(error).toMatchObject({ name: 'SecretReadError', secretId: SECRET_ID })
    expect((error as Error).message).toContain(SECRET_ID)
    expect(`${(error as Error).message} ${(error as Error).stack}`).not.toContain('hunter2')
  })

  it('reports SDK failures with the secret id and does not cache them', async () => {
    const { mock, reader, calls } = setup()
    mock
      .on(GetSecretValueCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
      .resolves({ SecretString: '{"token":"t"}' })
    const error = await reader.getJson(SECRET_ID).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SecretReadError)
    expect((error as Error).message).toBe(`Could not read secret "${SECRET_ID}": ResourceNotFoundException`)
    await expect(reader.getJson(SECRET_ID)).resolves.toEqual({ token: 't' })
    expect(calls()).toBe(2)
  })

  it('serves the previous value when a scheduled refresh fails, but not on forceFetch', async () => {
    const { mock, reader, advance } = setup(1_000)
    mock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"token":"t"}' })
      .rejects(new Error('throttled'))
    await reader.getJson(SECRET_ID)
    advance(5_000)
    await expect(reader.getJson(SECRET_ID)).resolves.toEqual({ token: 't' })
    await expect(reader.getJson(SECRET_ID, { forceFetch: true })).rejects.toBeInstanceOf(SecretReadError)
  })

  it('rejects an empty secret id without calling AWS', async () => {
    const { reader, calls } = setup()
    await expect(reader.getJson('')).rejects.toBeInstanceOf(SecretReadError)
    expect(calls()).toBe(0)
  })
})
