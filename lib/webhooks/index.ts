export {
  type KeyringVerification,
  verifyWithKeyring,
  type WebhookKeyring,
  type WebhookKeyringOptions,
  WebhookSecretProblem,
  type WebhookSecretReport,
  webhookKeyring,
} from './keyring'
export {
  type CheckedWebhookHeaders,
  checkWebhookHeaders,
  decodeWebhookSecret,
  matchWebhookSignature,
  StandardWebhooks,
  signWebhook,
  type VerifiedWebhook,
  verifyWebhook,
  WebhookFailure,
  type WebhookHeaders,
  WebhookSecretError,
  WebhookVerificationError,
} from './standardWebhooks'
