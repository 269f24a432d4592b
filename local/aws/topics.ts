import {
  CreateTopicCommand,
  type SNSClient,
  SubscribeCommand,
  type SubscribeCommandInput,
} from '@aws-sdk/client-sns'
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs'
import type { SubscriptionDefinition, TopicDefinition } from './definitions'

// SNS topics of the local system (fauxqs serves SNS on the SQS endpoint) and their SQS subscriptions, through the
// real SDK: what serverless.yml's topic, subscription and queue policy stand for locally.

export interface CreatedTopic {
  name: string
  arn: string
}

/** The attributes of an SQS subscription (raw delivery, dead-letter queue, filter policy). */
function subscriptionAttributes(
  subscription: Omit<SubscriptionDefinition, 'queue' | 'deadLetterQueue'>,
  deadLetterArn?: string,
): SubscribeCommandInput['Attributes'] {
  return {
    ...(subscription.rawMessageDelivery ? { RawMessageDelivery: 'true' } : {}),
    ...(deadLetterArn ? { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterArn }) } : {}),
    ...(subscription.filterPolicy
      ? { FilterPolicy: JSON.stringify(subscription.filterPolicy), FilterPolicyScope: 'MessageAttributes' }
      : {}),
  }
}

/** Subscribes the queue `queueArn` to `topicArn`; returns the subscription ARN. */
export async function subscribeQueue(
  sns: SNSClient,
  topicArn: string,
  queueArn: string,
  options: Omit<SubscriptionDefinition, 'queue' | 'deadLetterQueue'> & { deadLetterArn?: string } = {},
): Promise<string> {
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: queueArn,
      Attributes: subscriptionAttributes(options, options.deadLetterArn),
      ReturnSubscriptionArn: true,
    }),
  )
  if (!SubscriptionArn) throw new Error(`Subscribe returned no ARN for ${queueArn}`)
  return SubscriptionArn
}

/** Creates the topics of `definitions` and their subscriptions to the queues already created (ARNs by key). */
export async function createTopics(
  sns: SNSClient,
  definitions: Record<string, TopicDefinition>,
  queueArns: Record<string, string>,
): Promise<Record<string, CreatedTopic>> {
  const created: Record<string, CreatedTopic> = {}
  const arnOf = (key: string, topic: string) => {
    const arn = queueArns[key]
    if (!arn) throw new Error(`Queue ${key} subscribed to topic ${topic} is not defined`)
    return arn
  }
  for (const [key, definition] of Object.entries(definitions)) {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: definition.name }))
    if (!TopicArn) throw new Error(`CreateTopic returned no ARN for ${definition.name}`)
    for (const subscription of definition.subscriptions) {
      const deadLetterArn = subscription.deadLetterQueue
        ? arnOf(subscription.deadLetterQueue, definition.name)
        : undefined
      await subscribeQueue(sns, TopicArn, arnOf(subscription.queue, definition.name), {
        ...subscription,
        ...(deadLetterArn ? { deadLetterArn } : {}),
      })
    }
    created[key] = { name: definition.name, arn: TopicArn }
  }
  return created
}

/**
 * A new queue subscribed to `topicArn` with raw delivery and an optional filter policy: what a consumer (CRM,
 * analytics) adds to receive offer events. Returns the queue's URL and ARN.
 */
export async function addQueueSubscriber(
  clients: { sqs: SQSClient; sns: SNSClient },
  topicArn: string,
  queueName: string,
  filterPolicy?: Record<string, unknown>,
): Promise<{ url: string; arn: string; subscriptionArn: string }> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName }))
  if (!QueueUrl) throw new Error(`CreateQueue returned no URL for ${queueName}`)
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  )
  const arn = Attributes?.QueueArn
  if (!arn) throw new Error(`GetQueueAttributes returned no QueueArn for ${queueName}`)
  const subscriptionArn = await subscribeQueue(clients.sns, topicArn, arn, {
    rawMessageDelivery: true,
    ...(filterPolicy ? { filterPolicy } : {}),
  })
  return { url: QueueUrl, arn, subscriptionArn }
}
