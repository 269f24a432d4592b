import { describe, expect, it } from 'vitest'
import { sparkflyClientConfig } from '../../../lib/app/context'
import { ConfigurationError, getConfig } from '../../../lib/config'

const required = {
  SPARKFLY_SECRET_ID: 'prod/sparkfly',
  LEDGER_TABLE: 'ledger',
  OFFER_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/offer-events',
}

describe('getConfig', () => {
  it('reads every setting in one schema, with defaults', () => {
    const config = getConfig({ ...required })
    expect(config).toMatchObject({
      ...required,
      SPARKFLY_BASE_URL: 'https://api.sparkfly.com/v1.0',
      SPARKFLY_TIMEOUT_MS: 5000,
      SPARKFLY_MAX_RETRIES: 2,
      SPARKFLY_AUTH_METHOD: 'POST',
      SPARKFLY_CONCURRENCY: 10,
      ISSUANCE_RULES: 'default',
      HTTP_MAX_BODY_BYTES: 16 * 1024,
    })
    expect(sparkflyClientConfig(config)).toEqual({
      secretId: 'prod/sparkfly',
      baseUrl: 'https://api.sparkfly.com/v1.0',
      timeoutMs: 5000,
      maxRetries: 2,
      authMethod: 'POST',
    })
  })

  it('reads the Sparkfly settings that are given, and counts an empty variable as unset', () => {
    const config = getConfig({
      ...required,
      SPARKFLY_BASE_URL: 'http://127.0.0.1:9/v1.0',
      SPARKFLY_TIMEOUT_MS: '1500',
      SPARKFLY_MAX_RETRIES: '0',
      SPARKFLY_AUTH_METHOD: 'get',
      SPARKFLY_CREDENTIALS_SECRET_ID: 'prod/sparkfly-credentials',
      ISSUANCE_DLQ_URL: '',
    })
    expect(sparkflyClientConfig(config)).toEqual({
      secretId: 'prod/sparkfly',
      baseUrl: 'http://127.0.0.1:9/v1.0',
      timeoutMs: 1500,
      maxRetries: 0,
      authMethod: 'GET',
      credentialsSecretId: 'prod/sparkfly-credentials',
    })
    expect(config.ISSUANCE_DLQ_URL).toBeUndefined()
  })

  it('names every wrong variable, never its value', () => {
    const attempt = () =>
      getConfig({
        LEDGER_TABLE: 'ledger',
        OFFER_EVENTS_QUEUE_URL: 'not a url',
        SPARKFLY_TIMEOUT_MS: 'soon',
        SPARKFLY_MAX_RETRIES: '11',
        SPARKFLY_AUTH_METHOD: 'PUT',
      })
    expect(attempt).toThrow(ConfigurationError)
    const message = (() => {
      try {
        attempt()
      } catch (error) {
        return (error as Error).message
      }
      return ''
    })()
    for (const name of [
      'SPARKFLY_SECRET_ID',
      'OFFER_EVENTS_QUEUE_URL',
      'SPARKFLY_TIMEOUT_MS',
      'SPARKFLY_MAX_RETRIES',
      'SPARKFLY_AUTH_METHOD',
    ]) {
      expect(message).toContain(name)
    }
    expect(message).not.toMatch(/not a url|soon/)
  })
})
