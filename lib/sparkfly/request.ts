import * as z from '../validation/zod'
import type { AuthProvider } from './auth'
import {
  createSparkflyError,
  SparkflyConnectionError,
  SparkflyContractError,
  type SparkflyError,
  SparkflyTimeoutError,
} from './errors'
import type { SparkflyLogger } from './logger'
import { type HttpMethod, SPARKFLY_OPERATIONS, type SparkflyOperation } from './operations'
import {
  allowsFreeResetRetry,
  backoffDelay,
  classifyNetworkError,
  FAILURE_KINDS,
  type FailureKind,
  isRetryable,
  networkErrorCode,
  parseRetryAfter,
} from './retry'
import type { SparkflyTransport } from './transport'
import { buildUrl, fillPath } from './validation'

/** Per-call overrides of the client's settings. */
export interface RequestOptions {
  /** Timeout of each attempt in ms (client default 5000). */
  timeoutMs?: number
  /** Retries after the first attempt (client default 2). 0 disables retries (except one after a stale-socket reset). */
  maxRetries?: number
  /** Time budget for the whole call, attempts and waits included (client default 10000). */
  totalTimeoutMs?: number
  /** Cancels the call (e.g. when the Lambda is about to time out). */
  signal?: AbortSignal
}

/** Client-wide request settings. */
export interface RequestDefaults {
  timeoutMs: number
  maxRetries: number
  totalTimeoutMs: number
  retryBaseDelayMs: number
  retryMaxDelayMs: number
}

/** Everything the request function needs, shared by all calls of one client. */
export interface RequestContext {
  /** Base URL including `/v1.0`; a `baseUrl` in the secret overrides it. */
  baseUrl: string
  /** Absent only while minting a token. */
  auth?: AuthProvider
  transport: SparkflyTransport
  logger: SparkflyLogger
  defaults: RequestDefaults
  userAgent: string
  /** Random source in [0, 1) for jitter (tests). */
  random?: () => number
}

/** A received answer, body already read. */
export interface RawResponse {
  status: number
  headers: Headers
  bodyText: string
  requestId?: string
}

/** One call: which operation, its parameters, and how to read the answer. */
export interface CallSpec<T> {
  operation: SparkflyOperation
  /** Validated path parameters for the operation's template. */
  params?: Record<string, string>
  query?: Record<string, string | number | boolean | undefined>
  /** JSON body. */
  body?: unknown
  /** Reads a 2xx answer. */
  parse: (response: RawResponse, operation: SparkflyOperation) => T
  /** Overrides the table's method (`/auth` may be GET or POST). */
  method?: HttpMethod
  /** Absolute URL instead of base URL + path template (`/auth`). */
  url?: string
  /** Extra headers (`X-Auth-Identity` / `X-Auth-Key` for `/auth`). */
  headers?: Record<string, string>
  /** Send `X-Auth-Token` and refresh it once on 401 (default true). */
  authenticate?: boolean
  /** Strings to scrub from emitted text besides the auth provider's. */
  secrets?: string[]
}

type RetryDecision = { retry: true; delayMs: number } | { retry: false }

const NO_RETRY: RetryDecision = { retry: false }
const MIN_ATTEMPT_MS = 50
const REDACTED = '[REDACTED]'

/**
 * Runs one Sparkfly operation: builds the URL and headers, sends it with a per-attempt timeout, maps
 * failures to {@link SparkflyError} subclasses, parses the answer and logs each attempt.
 *
 * When an attempt is repeated (see `retry.ts` for the table; `operations.ts` for each op's class):
 * - 401 (authenticated calls): the token is refreshed once (secret re-read, re-minted) and the call is
 *   sent again; Sparkfly rejected it before acting, so this is safe for every operation. A second 401
 *   throws {@link SparkflyAuthenticationError}. This repeat does not count against `maxRetries`.
 * - 429: every operation, after `Retry-After` (seconds or HTTP date) or backoff. A throttled call was
 *   not processed. If `Retry-After` does not fit in the remaining budget the error is thrown at once.
 * - connection could not be opened: every operation (nothing was sent).
 * - connection reset before any response byte: once for every operation, even with `maxRetries: 0`
 *   (stale keep-alive socket after a Lambda freeze); further resets only for idempotent operations.
 * - 5xx, timeouts, other network errors: idempotent operations only. Unsafe operations (issue, create,
 *   redeem, void) surface them as retryable errors for the caller, which owns de-duplication.
 * Retries use capped exponential backoff with full jitter, within `maxRetries` and `totalTimeoutMs`.
 */
export async function sparkflyRequest<T>(
  context: RequestContext,
  spec: CallSpec<T>,
  options: RequestOptions = {},
): Promise<T> {
  const table = SPARKFLY_OPERATIONS[spec.operation]
  const method = spec.method ?? table.method
  const timeoutMs = options.timeoutMs ?? context.defaults.timeoutMs
  const maxRetries = options.maxRetries ?? context.defaults.maxRetries
  const totalTimeoutMs = Math.max(options.totalTimeoutMs ?? context.defaults.totalTimeoutMs, timeoutMs)
  const authenticate = spec.authenticate ?? true
  const started = Date.now()
  const deadline = started + totalTimeoutMs
  const filledPath = fillPath(table.path, spec.params)
  const bodyText = spec.body === undefined ? undefined : JSON.stringify(spec.body)

  const redact = (text: string): string => {
    let out = text
    for (const secret of [...(context.auth?.secrets() ?? []), ...(spec.secrets ?? [])]) {
      if (secret.length >= 6) out = out.split(secret).join(REDACTED)
    }
    return out
  }

  let auth = authenticate && context.auth ? await context.auth.getAuth() : undefined
  let attempt = 0
  let retriesUsed = 0
  let freeResetRetryUsed = false
  let authRefreshed = false

  for (;;) {
    attempt += 1
    const remaining = deadline - Date.now()
    const attemptTimeout = Math.max(1, Math.min(timeoutMs, remaining))
    const timeoutSignal = AbortSignal.timeout(attemptTimeout)
    const signal = options.signal ? AbortSignal.any([timeoutSignal, options.signal]) : timeoutSignal
    const url = spec.url ?? buildUrl(auth?.baseUrl ?? context.baseUrl, filledPath, spec.query)
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': context.userAgent,
      ...spec.headers,
    }
    if (bodyText !== undefined) headers['Content-Type'] = 'application/json'
    if (auth) headers['X-Auth-Token'] = auth.token
    const logFields = { operation: spec.operation, method, path: table.path, attempt }
    const attemptStarted = Date.now()

    // 1. Send. A rejection here means no response byte arrived.
    let response: Response
    try {
      response = await abortable(context.transport(url, { method, headers, body: bodyText, signal }), signal)
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason
      const kind = timeoutSignal.aborted ? FAILURE_KINDS.timeout : classifyNetworkError(error)
      const failure = networkFailure(spec.operation, kind, error, attemptTimeout)
      const decision = decideRetry(kind, undefined)
      logFailure(logFields, attemptStarted, failure, kind, decision)
      if (decision.retry) {
        await wait(decision.delayMs)
        continue
      }
      throw failure
    }

    // 2. Read the body. Sparkfly has answered, so a failure here may follow work it did.
    let raw: RawResponse
    try {
      const text = await abortable(response.text(), signal)
      raw = {
        status: response.status,
        headers: response.headers,
        bodyText: redact(text),
        requestId: response.headers.get('x-request-id') ?? undefined,
      }
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason
      const kind = timeoutSignal.aborted ? FAILURE_KINDS.timeout : FAILURE_KINDS.networkError
      const failure = networkFailure(spec.operation, kind, error, attemptTimeout, response.status)
      const decision = decideRetry(kind, undefined)
      logFailure({ ...logFields, status: response.status }, attemptStarted, failure, kind, decision)
      if (decision.retry) {
        await wait(decision.delayMs)
        continue
      }
      throw failure
    }
    const durationMs = Date.now() - attemptStarted
    const answered = { ...logFields, status: raw.status, durationMs, requestId: raw.requestId }

    // 3. Success.
    if (raw.status >= 200 && raw.status < 300) {
      context.logger.debug('Sparkfly call succeeded', answered)
      return spec.parse(raw, spec.operation)
    }

    // 4. Rejected token: refresh once, then send again.
    if (raw.status === 401 && auth && context.auth && !authRefreshed) {
      context.logger.warn('Sparkfly rejected the token; refreshing it once', answered)
      authRefreshed = true
      auth = await context.auth.getAuth({ forceRefresh: true, rejectedToken: auth.token })
      continue
    }

    // 5. Other failures.
    const retryAfterMs = parseRetryAfter(raw.headers.get('retry-after'))
    const error = createSparkflyError({
      status: raw.status,
      operation: spec.operation,
      body: parseBody(raw.bodyText),
      requestId: raw.requestId,
      retryAfterMs,
    })
    const kind =
      raw.status === 429
        ? FAILURE_KINDS.rateLimited
        : raw.status >= 500 || raw.status === 408
          ? FAILURE_KINDS.serverError
          : undefined
    const decision = kind ? decideRetry(kind, retryAfterMs) : NO_RETRY
    context.logger.warn('Sparkfly call failed', {
      ...answered,
      error: error.name,
      retrying: decision.retry,
      ...(decision.retry ? { delayMs: decision.delayMs, reason: kind } : {}),
    })
    if (decision.retry) {
      await wait(decision.delayMs)
      continue
    }
    throw error
  }

  function decideRetry(kind: FailureKind, retryAfterMs: number | undefined): RetryDecision {
    const free = allowsFreeResetRetry(kind, freeResetRetryUsed)
    const normal = retriesUsed < maxRetries && isRetryable(kind, table.replay)
    if (!free && !normal) return NO_RETRY
    const delayMs =
      retryAfterMs ??
      (free
        ? 0
        : backoffDelay(retriesUsed, {
            baseDelayMs: context.defaults.retryBaseDelayMs,
            maxDelayMs: context.defaults.retryMaxDelayMs,
            random: context.random,
          }))
    if (Date.now() + delayMs + MIN_ATTEMPT_MS > deadline) return NO_RETRY
    if (free) freeResetRetryUsed = true
    else retriesUsed += 1
    return { retry: true, delayMs }
  }

  function logFailure(
    fields: Record<string, unknown>,
    attemptStarted: number,
    failure: SparkflyError,
    kind: FailureKind,
    decision: RetryDecision,
  ): void {
    context.logger.warn('Sparkfly call failed', {
      ...fields,
      durationMs: Date.now() - attemptStarted,
      error: failure.name,
      reason: kind,
      code: failure instanceof SparkflyConnectionError ? failure.code : undefined,
      retrying: decision.retry,
      ...(decision.retry ? { delayMs: decision.delayMs } : {}),
    })
  }

  function wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        options.signal?.removeEventListener('abort', onAbort)
        resolve()
      }, ms)
      const onAbort = () => {
        clearTimeout(timer)
        reject(options.signal?.reason)
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (whatever the transport does). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

function networkFailure(
  operation: SparkflyOperation,
  kind: FailureKind,
  error: unknown,
  timeoutMs: number,
  status?: number,
): SparkflyError {
  if (kind === FAILURE_KINDS.timeout) {
    return new SparkflyTimeoutError(`Sparkfly ${operation} timed out after ${timeoutMs} ms`, {
      operation,
      status,
      cause: error,
    })
  }
  const code = networkErrorCode(error)
  const phase = status === undefined ? 'before a response' : 'while reading the response'
  return new SparkflyConnectionError(
    `Sparkfly ${operation}: connection failed ${phase}${code ? ` (${code})` : ''}`,
    { operation, status, code, cause: error },
  )
}

function parseBody(text: string): unknown {
  if (text.trim().length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * Returns a parser that reads the JSON body with `schema`. A body that is not JSON or does not match
 * throws {@link SparkflyContractError} naming the first offending field; unknown fields pass through
 * (schemas are loose).
 */
export function jsonBody<T>(schema: z.core.$ZodType<T>): CallSpec<T>['parse'] {
  return (response, operation) => {
    let json: unknown
    try {
      json = JSON.parse(response.bodyText)
    } catch {
      throw new SparkflyContractError(
        `Sparkfly ${operation} answered ${response.status} with a body that is not JSON`,
        {
          operation,
          status: response.status,
          requestId: response.requestId,
          path: '(body)',
        },
      )
    }
    const result = z.safeParse(schema, json)
    if (result.success) return result.data
    const issue = result.error.issues[0]
    const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
    throw new SparkflyContractError(
      `Sparkfly ${operation} response did not match the expected schema at "${path}": ${issue?.message ?? 'invalid'}`,
      { operation, status: response.status, requestId: response.requestId, path },
    )
  }
}

/** Parser for answers whose body is ignored (void endpoints answer 200 with an empty body). */
export const noBody: CallSpec<void>['parse'] = () => undefined

/** Reads the token that `/auth` returns in the `X-Auth-Token` header of its 204. */
export const authTokenHeader: CallSpec<string>['parse'] = (response, operation) => {
  const token = response.headers.get('x-auth-token')
  if (!token) {
    throw new SparkflyContractError(
      `Sparkfly ${operation} answered ${response.status} without an X-Auth-Token header`,
      {
        operation,
        status: response.status,
        requestId: response.requestId,
        path: 'headers.X-Auth-Token',
      },
    )
  }
  return token
}

/** The request function bound to one client, as the resources call it. */
export type SparkflyRequester = <T>(spec: CallSpec<T>, options?: RequestOptions) => Promise<T>
