import { afterEach, describe, expect, it, vi } from 'vitest'
import { environmentCredentials, MissingCredentialsError } from '../../../lib/aws/credentials'

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('environmentCredentials', () => {
  it('reads the credentials Lambda sets, session token included, at each call', async () => {
    // given the environment of a Lambda function
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-example')
    vi.stubEnv('AWS_SESSION_TOKEN', 'token-example')

    // then the provider answers them
    expect(await environmentCredentials()).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret-example',
      sessionToken: 'token-example',
    })

    // and a rotated session token is read on the next call
    vi.stubEnv('AWS_SESSION_TOKEN', '')
    expect(await environmentCredentials()).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret-example',
    })
  })

  it('fails, not retryable and without any value, when the environment has no credentials', async () => {
    // given no secret key
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', '')

    // then the provider refuses, naming the variables, not their values
    const error = await environmentCredentials().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MissingCredentialsError)
    expect(error).toMatchObject({ retryable: false })
    expect(String(error)).not.toContain('AKIDEXAMPLE')
  })
})
