export {
  type KeyringVerification,
  verifyWithKeyring,
  type WebhookKeyring,
  type WebhookKeyringOptions,
  webhookKeyring,
} from './keyring'
export {
  decodeWebhookSecret,
  StandardWebhooks,
  signWebhook,
  type VerifiedWebhook,
  verifyWebhook,
  WebhookFailure,
  type WebhookHeaders,
  WebhookSecretError,
  WebhookVerificationError,
} from './standardWebhooks'
