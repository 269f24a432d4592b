import { randomBytes } from 'node:crypto'

export { httpApiEvent, signedHeaders, signedRedemptionEvent } from '../../support/events'

/** A fresh random webhook secret (`whsec_<base64 of 32 bytes>`). Never print it. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}
