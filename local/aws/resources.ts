import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager'
import type { SNSClient } from '@aws-sdk/client-sns'
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs'
import type { QueueDefinition, ResourceDefinitions } from './definitions'
import { type CreatedTopic, createTopics } from './topics'

/** Creates the resources of one {@link ResourceDefinitions} object through the real SDK clients. */

export interface ResourceClients {
  sqs: SQSClient
  sns: SNSClient
  dynamodb: DynamoDBClient
  secretsManager: SecretsManagerClient
}

export interface CreateResourcesOptions {
  /** Secret values by definition key (`sparkfly`) or by secret name (`sparkfly/api`); objects are stored as JSON. */
  secrets?: Record<string, string | object>
  /** Overrides every queue's VisibilityTimeout (seconds), e.g. to see retries quickly. */
  visibilityTimeoutSeconds?: number
}

export interface CreatedQueue {
  name: string
  url: string
  arn: string
}

export interface CreatedResources<D extends ResourceDefinitions> {
  queues: { [K in keyof D['queues']]: CreatedQueue }
  topics: { [K in keyof D['topics']]: CreatedTopic }
  tables: { [K in keyof D['tables']]: string }
  secrets: { [K in keyof D['secrets']]: { name: string; arn: string } }
  /** Whether TTL could be enabled (false on dynalite, which has no UpdateTimeToLive). */
  ttlEnabled: boolean
}

async function createQueue(
  sqs: SQSClient,
  definition: QueueDefinition,
  attributes: Record<string, string>,
): Promise<CreatedQueue> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: definition.name, Attributes: attributes }),
  )
  if (!QueueUrl) throw new Error(`CreateQueue returned no URL for ${definition.name}`)
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  )
  const arn = Attributes?.QueueArn
  if (!arn) throw new Error(`GetQueueAttributes returned no QueueArn for ${definition.name}`)
  return { name: definition.name, url: QueueUrl, arn }
}

async function createQueues(
  sqs: SQSClient,
  definitions: Record<string, QueueDefinition>,
  visibilityTimeoutSeconds: number | undefined,
): Promise<Record<string, CreatedQueue>> {
  const created: Record<string, CreatedQueue> = {}
  const attributesOf = (definition: QueueDefinition): Record<string, string> => {
    const attributes: Record<string, string> = {}
    const visibility = visibilityTimeoutSeconds ?? definition.visibilityTimeoutSeconds
    if (visibility !== undefined) attributes.VisibilityTimeout = String(visibility)
    if (definition.deadLetter) {
      const target = created[definition.deadLetter.queue]
      if (!target)
        throw new Error(
          `Dead-letter queue ${definition.deadLetter.queue} of ${definition.name} is not defined`,
        )
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: target.arn,
        maxReceiveCount: definition.deadLetter.maxReceiveCount,
      })
    }
    return attributes
  }
  const entries = Object.entries(definitions)
  // Dead-letter targets first, so their ARNs exist when the source queues name them.
  for (const [key, definition] of entries.filter(([, d]) => !d.deadLetter)) {
    created[key] = await createQueue(sqs, definition, attributesOf(definition))
  }
  for (const [key, definition] of entries.filter(([, d]) => d.deadLetter)) {
    created[key] = await createQueue(sqs, definition, attributesOf(definition))
  }
  return created
}

async function createTables(
  dynamodb: DynamoDBClient,
  definitions: ResourceDefinitions['tables'],
): Promise<{ tables: Record<string, string>; ttlEnabled: boolean }> {
  const tables: Record<string, string> = {}
  let ttlEnabled = true
  for (const [key, definition] of Object.entries(definitions)) {
    try {
      await dynamodb.send(new CreateTableCommand(definition.definition(definition.name)))
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error
    }
    if (definition.ttlAttribute) {
      try {
        await dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName: definition.name,
            TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
          }),
        )
      } catch (error) {
        // dynalite answers UnknownOperationException: items simply never expire locally.
        if ((error as { name?: string }).name !== 'UnknownOperationException') throw error
        ttlEnabled = false
      }
    }
    tables[key] = definition.name
  }
  return { tables, ttlEnabled }
}

async function createSecrets(
  secretsManager: SecretsManagerClient,
  definitions: ResourceDefinitions['secrets'],
  values: Record<string, string | object>,
): Promise<Record<string, { name: string; arn: string }>> {
  const created: Record<string, { name: string; arn: string }> = {}
  const stringify = (value: string | object) => (typeof value === 'string' ? value : JSON.stringify(value))
  for (const [key, definition] of Object.entries(definitions)) {
    const value = values[key] ?? values[definition.name]
    const secretString = value === undefined ? undefined : stringify(value)
    try {
      const { ARN } = await secretsManager.send(
        new CreateSecretCommand({ Name: definition.name, SecretString: secretString }),
      )
      created[key] = { name: definition.name, arn: ARN ?? '' }
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceExistsException') throw error
      const put =
        secretString === undefined
          ? undefined
          : await secretsManager.send(
              new PutSecretValueCommand({ SecretId: definition.name, SecretString: secretString }),
            )
      created[key] = { name: definition.name, arn: put?.ARN ?? '' }
    }
  }
  return created
}

/**
 * Creates the queues (dead-letter queues first, with RedrivePolicy on their sources), the topics and their
 * subscriptions, the tables
 * and the secrets of `definitions`. Tables and secrets that already exist are kept.
 */
export async function createResources<D extends ResourceDefinitions>(
  definitions: D,
  clients: ResourceClients,
  options: CreateResourcesOptions = {},
): Promise<CreatedResources<D>> {
  const createQueuesAndTopics = async () => {
    const queues = await createQueues(clients.sqs, definitions.queues, options.visibilityTimeoutSeconds)
    const queueArns = Object.fromEntries(Object.entries(queues).map(([key, queue]) => [key, queue.arn]))
    return { queues, topics: await createTopics(clients.sns, definitions.topics, queueArns) }
  }
  const [{ queues, topics }, { tables, ttlEnabled }, secrets] = await Promise.all([
    createQueuesAndTopics(),
    createTables(clients.dynamodb, definitions.tables),
    createSecrets(clients.secretsManager, definitions.secrets, options.secrets ?? {}),
  ])
  return { queues, topics, tables, secrets, ttlEnabled } as CreatedResources<D>
}
