import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { SQSClient } from '@aws-sdk/client-sqs'
import { LOCAL_CREDENTIALS, type LocalAws, type LocalAwsOptions, startLocalAws } from '../../local/aws'
import { sqsClients } from '../../local/aws/queues'

export {
  type DrainedMessage,
  drainQueue,
  type QueueDepth,
  queueDepth,
  sendMessages,
} from '../../local/aws/queues'

/** Helpers for integration tests that run against the local AWS services through the real SDK. */

export interface TestLocalAws extends LocalAws {
  /** Clients pointed at the local endpoints (destroyed by `stop`). */
  clients: { sqs: SQSClient; dynamodb: DynamoDBClient }
  /** Stops the services, destroys the clients and restores the environment variables it changed. */
  stop(): Promise<void>
}

/**
 * Starts the local AWS services with every queue, table and secret, and points `process.env` at them
 * (unless `applyEnv: false`).
 *
 * @example
 * const aws = await startLocalAwsForTests({ visibilityTimeoutSeconds: 1 })
 * afterAll(() => aws.stop())
 */
export async function startLocalAwsForTests(
  options: LocalAwsOptions & { applyEnv?: boolean } = {},
): Promise<TestLocalAws> {
  const { applyEnv = true, ...localOptions } = options
  const aws = await startLocalAws(localOptions)
  const previous: Record<string, string | undefined> = {}
  if (applyEnv) {
    for (const [name, value] of Object.entries(aws.env())) {
      previous[name] = process.env[name]
      process.env[name] = value
    }
  }
  const clients = {
    sqs: new SQSClient({ region: aws.region, endpoint: aws.endpoints.sqs, credentials: LOCAL_CREDENTIALS }),
    dynamodb: new DynamoDBClient({
      region: aws.region,
      endpoint: aws.endpoints.dynamodb,
      credentials: LOCAL_CREDENTIALS,
    }),
  }
  return {
    ...aws,
    clients,
    stop: async () => {
      clients.sqs.destroy()
      clients.dynamodb.destroy()
      sqsClients.get(aws.endpoints.sqs)?.destroy()
      sqsClients.delete(aws.endpoints.sqs)
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      await aws.stop()
    },
  }
}
