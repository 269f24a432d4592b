import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy, { type MiddlewareObj } from '@middy/core'
import httpHeaderNormalizer from '@middy/http-header-normalizer'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import { getConfig } from '../config'
import { logger, MetricUnit, metrics } from '../observability'
import { HttpProblem } from './errors'
import { assertJsonMediaType, decodeUtf8, parseStrictJson } from './jsonBody'
import { problemResponse, toProblem } from './problem'

/** An API Gateway HTTP API (payload 2.0) event after the chain ran: headers lower-cased, body parsed. */
export type HttpEvent<TBody = unknown> = Omit<APIGatewayProxyEventV2, 'body'> & {
  body: TBody
  /** The body as text (before JSON parsing), for request fingerprints. */
  rawBody: string
  /** The body's bytes exactly as received (base64 bodies decoded), for signature checks. */
  rawBytes: Buffer
}

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number }

export interface HttpHandlerOptions {
  /** Largest accepted body in bytes (default `HTTP_MAX_BODY_BYTES`); larger bodies get a 413 before anything else. */
  maxBodyBytes?: number
  /** Middlewares that run after the size check and before JSON parsing (e.g. signature verification). */
  beforeParse?: MiddlewareObj<HttpEvent, HttpResult>[]
  /** Parse the body as JSON (default true). */
  parseJson?: boolean
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024

/**
 * `HTTP_MAX_BODY_BYTES`, read when a handler is built; an invalid environment is reported by the first request
 * (through the composition root) instead of failing the import.
 */
function configuredMaxBodyBytes(): number {
  try {
    return getConfig().HTTP_MAX_BODY_BYTES
  } catch {
    return DEFAULT_MAX_BODY_BYTES
  }
}

/** Keeps the raw body (bytes and text) and refuses oversize ones before anything parses them. */
const rawBodyGuard = (maxBodyBytes: number): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const event = request.event as HttpEvent & { body?: string | null; isBase64Encoded?: boolean }
    const raw = String(event.body ?? '')
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8')
    if (bytes.length > maxBodyBytes) {
      throw new HttpProblem(413, 'Payload too large', `The request body exceeds ${maxBodyBytes} bytes.`)
    }
    event.rawBytes = bytes
    event.rawBody = event.isBase64Encoded ? bytes.toString('utf8') : raw
    if (event.isBase64Encoded) {
      event.body = event.rawBody
      event.isBase64Encoded = false
    }
  },
})

/** Parses the body as strict JSON (415 for another media type or a compressed body, 400 for anything not JSON). */
const strictJsonBody = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: (request) => {
    const event = request.event
    assertJsonMediaType(event.headers ?? {})
    event.body = parseStrictJson(decodeUtf8(event.rawBytes))
  },
})

/** Renders every error as application/problem+json; 5xx details never leave the logs. */
const problemErrors = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: (request) => {
    if (request.response !== undefined && request.error === undefined) return
    const problem = toProblem(request.error)
    const requestId = request.context.awsRequestId
    if (problem.status >= 500) {
      logger.error('Request failed', { error: request.error as Error, status: problem.status })
    } else {
      logger.info('Request refused', { status: problem.status, title: problem.title })
    }
    request.response = problemResponse(problem, requestId)
  },
})

/**
 * Wraps an HTTP API handler in the service's one HTTP middleware chain: Lambda context in the logs, headers
 * normalised, body size limit (413), optional pre-parse steps (signature checks), JSON body parsing (400 / 415), and
 * RFC 7807 problem+json for every error.
 *
 * @example
 * export const handler = httpHandler(async (event) => ({ statusCode: 200, body: '{}' }))
 */
export function httpHandler<TBody>(
  fn: (event: HttpEvent<TBody>, context: Context) => Promise<HttpResult>,
  options: HttpHandlerOptions = {},
) {
  const chain = middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(problemErrors())
    .use(httpHeaderNormalizer())
    .use(rawBodyGuard(options.maxBodyBytes ?? configuredMaxBodyBytes()))
  for (const middleware of options.beforeParse ?? []) chain.use(middleware)
  if (options.parseJson !== false) chain.use(strictJsonBody())
  return chain.handler((event, context) => fn(event as HttpEvent<TBody>, context))
}

/** A JSON response. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }
}

/** Metric names for the answers of one HTTP function, by status class. */
export interface AnswerMetricNames {
  ok: string
  refused: string
  failed: string
}

/**
 * Counts every answer of an HTTP function, errors included, under one metric per status class (2xx `ok`, 4xx
 * `refused`, 5xx `failed`). Register it after `logMetrics`, which flushes them.
 *
 * @example
 * httpHandler(fn, { beforeParse: [logMetrics(metrics), answerMetrics({ ok: 'A2xx', refused: 'A4xx', failed: 'A5xx' })] })
 */
export function answerMetrics(names: AnswerMetricNames): MiddlewareObj<HttpEvent, HttpResult> {
  const count = (status: number) =>
    metrics.addMetric(
      status < 300 ? names.ok : status < 500 ? names.refused : names.failed,
      MetricUnit.Count,
      1,
    )
  return {
    after: (request) => {
      if (request.response) count(request.response.statusCode)
    },
    onError: (request) => {
      count(toProblem(request.error).status)
    },
  }
}
