import { PublishBatchCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns'
import {
  BatchingOfferEventPublisher,
  type BatchOutcome,
  batchOutcome,
  type OfferCloudEvent,
  offerEventAttributes,
} from './outbound'

/**
 * Publishes CloudEvents to the offer-events SNS topic, which fans them out to every subscribed queue (the project's
 * own offer-events queue and any consumer's, each with its own filter policy on `ce-type`). The body is the
 * CloudEvent unchanged; subscriptions use raw message delivery, so a queue receives exactly what the SQS publisher
 * would have sent, attributes included. Batched like the SQS publisher (`PublishBatch` of up to 10).
 */
export class SnsOfferEventPublisher extends BatchingOfferEventPublisher {
  protected readonly service = 'SNS'

  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {
    super()
  }

  protected async sendOne(event: OfferCloudEvent): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Message: JSON.stringify(event),
        MessageAttributes: offerEventAttributes(event),
      }),
    )
  }

  protected async sendBatch(entries: { id: string; event: OfferCloudEvent }[]): Promise<BatchOutcome> {
    const { Successful, Failed } = await this.client.send(
      new PublishBatchCommand({
        TopicArn: this.topicArn,
        PublishBatchRequestEntries: entries.map(({ id, event }) => ({
          Id: id,
          Message: JSON.stringify(event),
          MessageAttributes: offerEventAttributes(event),
        })),
      }),
    )
    return batchOutcome(Successful, Failed)
  }
}
