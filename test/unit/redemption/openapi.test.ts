import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { parse } from 'yaml'
import { HttpProblem } from '../../../lib/edge/errors'
import { type HttpResult, httpHandler } from '../../../lib/edge/http'
import { finalAnswer, IdempotencyProblems } from '../../../lib/edge/idempotency'
import { redemptionRequest, redemptionResponse } from '../../../lib/edge/redemption'
import { verifyWebhookSignature } from '../../../lib/edge/webhookSignature'
import { OfferKind } from '../../../lib/ledger/types'
import { logger } from '../../../lib/observability'
import {
  type OfferView,
  parseRedemptionRequest,
  RedemptionLimits,
  type RedemptionOutcome,
  RedemptionStatus,
} from '../../../lib/redemption'
import { createSparkflyError } from '../../../lib/sparkfly/errors'
import { decodeWebhookSecret, signWebhook } from '../../../lib/webhooks'
import { lambdaContext } from '../../support/events'
import { httpApiEvent, signedHeaders } from '../webhooks/helpers'

const OPENAPI_FILE = resolve(__dirname, '../../../docs/openapi/pos-redemptions.yaml')
const doc = parse(readFileSync(OPENAPI_FILE, 'utf8'))
const operation = doc.paths['/pos/redemptions'].post

/** The request id the examples show as `instance` (API Gateway / Lambda request id). */
const INSTANCE = '7f9c1e52-3b8d-4f5e-9a61-2d4c8b0e1f37'
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
const MAX_BODY_BYTES = 16 * 1024

// The offer the examples talk about, as the domain sees it.
const offerState: OfferView = {
  kind: OfferKind.offerState,
  id: '900123',
  code: 'K7Q2M9XR4T',
  status: 'issued',
  memberId: '42',
  offerId: '1701',
  campaignId: 'spring-fries',
  offerName: 'Free Medium Fries',
  activatesAt: '2025-03-01T00:00:00.000Z',
  expiresAt: '2025-03-31T00:00:00.000Z',
}

type Scenario = (request: ReturnType<typeof redemptionRequest>) => Promise<HttpResult>

/** What the idempotency layer stores and answers for a final refusal (404, 409, 410, 422). */
const stored =
  (outcome: RedemptionOutcome): Scenario =>
  async () => {
    try {
      return redemptionResponse(outcome)
    } catch (error) {
      const answer = finalAnswer(error)
      if (!answer) throw error
      return answer
    }
  }
const throws =
  (error: unknown): Scenario =>
  async () => {
    throw error
  }
const sparkflyError = (status: number, retryAfterMs?: number) =>
  createSparkflyError({ status, body: { error: 'sandbox said no' }, retryAfterMs })

/**
 * Runs a request through the real HTTP chain of the webhook (size limit, signature check, JSON parsing, body
 * validation, problem+json rendering) with `scenario` standing for what happens after validation.
 */
async function answer(
  scenario: Scenario,
  request: { body?: string; contentType?: string; sign?: 'valid' | 'wrong' } = {},
): Promise<{ statusCode: number; headers: Record<string, string>; body: unknown }> {
  const body =
    request.body ?? JSON.stringify({ code: 'K7Q2M9XR4T', transactionId: 'T-1001', storeId: 'store-12' })
  const key = decodeWebhookSecret(SECRET)
  const handler = httpHandler<unknown>(async (event) => scenario(redemptionRequest(event.body)), {
    maxBodyBytes: MAX_BODY_BYTES,
    beforeParse: [
      verifyWebhookSignature({ keyring: { keys: async () => [key], refresh: async () => undefined } }),
    ],
  })
  const signWith = request.sign === 'wrong' ? `whsec_${Buffer.alloc(32, 9).toString('base64')}` : SECRET
  const event: APIGatewayProxyEventV2 = httpApiEvent({
    body,
    headers: {
      ...signedHeaders(body, [signWith], { id: 'msg_2hJQ0kL9xq' }),
      'content-type': request.contentType ?? 'application/json',
    },
  })
  const context: Context = { ...lambdaContext(), awsRequestId: INSTANCE }
  const result = (await handler(event as never, context)) as HttpResult
  return {
    statusCode: result.statusCode,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: JSON.parse(String(result.body)),
  }
}

const redeemedAt = '2025-03-14T12:05:09.000Z'
const redeemedView: OfferView = {
  ...offerState,
  status: 'redeemed',
  redeemedAt,
  transactionId: 'T-0999',
  storeId: 'store-3',
}

/** Every documented example, and how the code produces that answer. */
const CASES: Record<string, { status: number; produce: () => ReturnType<typeof answer> }> = {
  offerStateRedeemed: {
    status: 200,
    produce: () =>
      answer(
        stored({
          status: RedemptionStatus.redeemed,
          offer: { ...offerState, status: 'redeemed', redeemedAt },
          redeemedAt,
          transactionId: 'T-1001',
          storeId: 'store-12',
          source: 'ledger',
          replayed: false,
        }),
      ),
  },
  credentialRedeemed: {
    status: 200,
    produce: () =>
      answer(
        stored({
          status: RedemptionStatus.redeemed,
          offer: {
            kind: OfferKind.credential,
            id: '55012',
            code: 'CRD-8F3K2M',
            status: 'redeemed',
            memberId: '42',
            offerId: '1701',
            offerName: 'Free Medium Fries',
          },
          redeemedAt,
          transactionId: 'T-1002',
          source: 'ledger',
          replayed: false,
        }),
        { body: JSON.stringify({ code: 'CRD-8F3K2M', transactionId: 'T-1002' }) },
      ),
  },
  invalidBody: {
    status: 400,
    produce: () =>
      answer(throws(new Error('never reached')), {
        body: JSON.stringify({ code: 'K7Q2 M9XR', memberId: 'ext-42', till: 4 }),
      }),
  },
  malformedJson: {
    status: 400,
    produce: () => answer(throws(new Error('never reached')), { body: '{"code": "K7Q2M9XR4T",' }),
  },
  invalidSignature: {
    status: 401,
    produce: () => answer(throws(new Error('never reached')), { sign: 'wrong' }),
  },
  notFound: { status: 404, produce: () => answer(stored({ status: RedemptionStatus.notFound })) },
  alreadyRedeemed: {
    status: 409,
    produce: () =>
      answer(stored({ status: RedemptionStatus.alreadyRedeemed, offer: redeemedView, decidedBy: 'ledger' })),
  },
  voided: {
    status: 409,
    produce: () =>
      answer(
        stored({
          status: RedemptionStatus.voided,
          offer: { ...offerState, status: 'voided', voidedAt: '2025-03-10T09:30:00.000Z' },
          decidedBy: 'sparkfly',
        }),
      ),
  },
  expired: {
    status: 410,
    produce: () =>
      answer(stored({ status: RedemptionStatus.expired, offer: offerState, decidedBy: 'ledger' })),
  },
  payloadTooLarge: {
    status: 413,
    produce: () =>
      answer(throws(new Error('never reached')), {
        body: JSON.stringify({ code: 'K7Q2M9XR4T', transactionId: 'x'.repeat(MAX_BODY_BYTES) }),
      }),
  },
  unsupportedMediaType: {
    status: 415,
    produce: () => answer(throws(new Error('never reached')), { contentType: 'text/plain' }),
  },
  notYetActive: {
    status: 422,
    produce: () =>
      answer(
        stored({
          status: RedemptionStatus.notYetActive,
          offer: { ...offerState, activatesAt: '2025-04-01T00:00:00.000Z', expiresAt: undefined },
          decidedBy: 'ledger',
        }),
      ),
  },
  idempotencyKeyReused: { status: 422, produce: () => answer(throws(IdempotencyProblems.keyReused())) },
  internalError: { status: 500, produce: () => answer(throws(new TypeError('x is undefined'))) },
  sparkflyError: { status: 502, produce: () => answer(throws(sparkflyError(500))) },
  sparkflyUnavailable: {
    status: 503,
    produce: () => answer(throws(sparkflyError(503, 5_000))),
  },
  requestInProgress: { status: 503, produce: () => answer(throws(IdempotencyProblems.inProgress())) },
}

interface DocumentedExample {
  status: number
  name: string
  mediaType: string
  value: unknown
  headers: string[]
}

function documentedExamples(): DocumentedExample[] {
  const out: DocumentedExample[] = []
  for (const [status, response] of Object.entries(
    operation.responses as Record<string, Record<string, unknown>>,
  )) {
    const content = (response.content ?? {}) as Record<
      string,
      { examples?: Record<string, { value: unknown }> }
    >
    for (const [mediaType, media] of Object.entries(content)) {
      for (const [name, example] of Object.entries(media.examples ?? {})) {
        out.push({
          status: Number(status),
          name,
          mediaType,
          value: example.value,
          headers: Object.keys((response.headers ?? {}) as object).map((h) => h.toLowerCase()),
        })
      }
    }
  }
  return out
}

describe('docs/openapi/pos-redemptions.yaml', () => {
  // The 5xx cases log their error on purpose; keep the test output readable.
  beforeAll(() => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined)
  })
  afterAll(() => vi.restoreAllMocks())

  it('is OpenAPI 3.1 and documents POST /pos/redemptions with the three signature headers, required', () => {
    expect(doc.openapi).toMatch(/^3\.1\./)
    const headers = (operation.parameters as Array<{ in: string; name: string; required: boolean }>)
      .filter((p) => p.in === 'header')
      .map((p) => [p.name, p.required])
    expect(headers).toEqual([
      ['webhook-id', true],
      ['webhook-timestamp', true],
      ['webhook-signature', true],
    ])
  })

  it('shows a signing example that verifies with the documented secret', () => {
    const description = doc.info.description as string
    const secret = /secret `(whsec_[A-Za-z0-9+/=]+)`/.exec(description)?.[1] ?? ''
    const id = /id `([^`]+)`/.exec(description)?.[1] ?? ''
    const timestamp = /timestamp\s+`(\d+)`/.exec(description)?.[1] ?? ''
    const body = /body `(\{[^`]+\})`/.exec(description)?.[1] ?? ''
    const signature = /webhook-signature: (v1,[A-Za-z0-9+/=]+)`/.exec(description)?.[1]
    const headerExample = (operation.parameters as Array<{ name: string; example: string }>).find(
      (p) => p.name === 'webhook-signature',
    )?.example

    expect(signature).toBe(signWebhook({ secret, id, timestamp, body }))
    expect(headerExample).toBe(signature)
    expect(description).toContain(`\`${id}.${timestamp}.${body}\``)
  })

  it('documents exactly the answers the code gives, each with at least one example', () => {
    const documented = documentedExamples()
    expect(new Set(documented.map((e) => e.name))).toEqual(new Set(Object.keys(CASES)))
    expect(documented.map((e) => `${e.name}:${e.status}`).sort()).toEqual(
      Object.entries(CASES)
        .map(([name, c]) => `${name}:${c.status}`)
        .sort(),
    )
  })

  it.each(Object.entries(CASES))(
    'example %s is exactly what the code answers',
    async (name, { status, produce }) => {
      const example = documentedExamples().find((e) => e.name === name)
      if (!example) throw new Error(`no example named ${name}`)
      const actual = await produce()

      expect(actual.statusCode).toBe(status)
      expect(example.status).toBe(status)
      expect(actual.headers['content-type']).toBe(example.mediaType)
      expect(actual.body).toEqual(example.value)
      for (const header of ['retry-after', 'www-authenticate']) {
        if (actual.headers[header] !== undefined) expect(example.headers).toContain(header)
      }
    },
  )

  it('states the body limits lib/redemption/request.ts enforces, and its request examples are accepted', () => {
    const ref = operation.requestBody.content['application/json'].schema.$ref as string
    const schema = doc.components.schemas[ref.split('/').pop() as string]
    const { properties } = schema
    expect(schema.required).toEqual(['code', 'transactionId'])
    expect(schema.additionalProperties).toBe(false)
    expect(Object.keys(properties).sort()).toEqual([
      'code',
      'memberId',
      'redeemedAt',
      'storeId',
      'transactionId',
    ])
    expect(properties.code.maxLength).toBe(RedemptionLimits.codeMaxLength)
    expect(properties.transactionId.maxLength).toBe(RedemptionLimits.transactionIdMaxLength)
    const storeString = properties.storeId.oneOf.find((s: { type: string }) => s.type === 'string')
    expect(storeString.maxLength).toBe(RedemptionLimits.storeIdMaxLength)

    // The documented string rules accept exactly what the code accepts.
    const documentedOk = (rule: { pattern: string; maxLength?: number }, value: string) =>
      new RegExp(rule.pattern).test(value) && value.length <= (rule.maxLength ?? Number.POSITIVE_INFINITY)
    const codeAccepts = (field: string, value: string) => {
      try {
        parseRedemptionRequest({ code: 'A1', transactionId: 'T1', [field]: value })
        return true
      } catch {
        return false
      }
    }
    const samples = [
      'K7Q2M9XR4T',
      'a-b_c',
      'T.1:2-3',
      '-lead',
      '_lead',
      'sp ace',
      'é',
      '0',
      '00',
      '42',
      'x'.repeat(64),
      'x'.repeat(65),
      'x'.repeat(129),
    ]
    const rules: Array<[string, { pattern: string; maxLength?: number }]> = [
      ['code', properties.code],
      ['transactionId', properties.transactionId],
      ['storeId', storeString],
      ['memberId', properties.memberId.oneOf.find((s: { type: string }) => s.type === 'string')],
    ]
    for (const [field, rule] of rules) {
      for (const sample of samples) {
        expect({ field, sample, accepted: documentedOk(rule, sample) }).toEqual({
          field,
          sample,
          accepted: codeAccepts(field, sample),
        })
      }
    }

    const examples = operation.requestBody.content['application/json'].examples as Record<
      string,
      { value: unknown }
    >
    expect(Object.keys(examples).length).toBeGreaterThan(0)
    for (const { value } of Object.values(examples)) {
      expect(() => parseRedemptionRequest(value, new Date('2025-03-14T12:06:00Z'))).not.toThrow()
    }
  })

  it('keeps HttpProblem answers of the idempotency layer out of the stored path when they are 5xx', () => {
    expect(finalAnswer(IdempotencyProblems.inProgress())).toBeUndefined()
    expect(finalAnswer(new HttpProblem(404, 'x', 'y'))?.statusCode).toBe(404)
  })
})
