import type { OfferCloudEvent, OfferEventPublisher } from '../../../lib/events/outbound'

/** Keeps what was published; can be made to fail the next publish. */
export class FakePublisher implements OfferEventPublisher {
  readonly events: OfferCloudEvent[] = []
  private failNext = false

  failNextPublish(): void {
    this.failNext = true
  }

  async publish(event: OfferCloudEvent): Promise<void> {
    if (this.failNext) {
      this.failNext = false
      throw new Error('SQS unavailable')
    }
    this.events.push(event)
  }
}
