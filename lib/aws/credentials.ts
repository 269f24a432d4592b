/** What the SDK's `credentials` option takes (the shape of `AwsCredentialIdentity`). */
export interface EnvironmentCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** Thrown when the environment holds no AWS credentials (Lambda always sets them). */
export class MissingCredentialsError extends Error {
  override name = 'MissingCredentialsError'
  /** Retrying cannot help: the environment will not change. */
  readonly retryable = false
}

/**
 * The credentials Lambda gives every function, read from the environment (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`) on each call: what the SDK's default chain finds first in Lambda,
 * without the chain. Every client of lib/ is built with it, so the SDK never reaches its SSO / STS / IMDS providers,
 * and serverless.yml `custom.esbuild.alias` leaves them out of the bundles.
 *
 * @example
 * const sqs = new SQSClient({ credentials: environmentCredentials })
 */
export const environmentCredentials = async (): Promise<EnvironmentCredentials> => {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) {
    throw new MissingCredentialsError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set')
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN
  const identity: EnvironmentCredentials = { accessKeyId, secretAccessKey }
  return sessionToken ? { ...identity, sessionToken } : identity
}
