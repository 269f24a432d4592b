import * as z from '../validation/zod'
import type { AuthProvider, SparkflyAuth } from './auth'
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
  classifyNetworkError,
  FAILURE_APPLIED,
  FAILURE_KINDS,
  type FailureKind,
  networkErrorCode,
  parseRetryAfter,
  RetryBudget,
  type RetryDecision,
} from './retry'
import type { SparkflyTransport, SparkflyTransportRequest } from './transport'
import { buildUrl, fillPath } from './validation'

/** Per-call overrides of the client's settings. */
export interface RequestOptions {
  /** Timeout of each attempt in ms (client default 5000). */
  timeoutMs?: number
  /**
   * Retries after the first attempt (client default 2). 0 disables retries (except, for idempotent
   * operations, one after a stale-socket reset).
   */
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

/** One call: which operation, its validated parameters, and how to read the answer. */
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

/** The request function bound to one client, as the resources call it. */
export type SparkflyRequester = <T>(spec: CallSpec<T>, options?: RequestOptions) => Promise<T>

/** One call in progress: its settings, fixed before the first attempt. */
interface Call {
  context: RequestContext
  spec: CallSpec<unknown>
  signal?: AbortSignal
  method: HttpMethod
  /** Path template, for logs (ids stay out of them). */
  template: string
  filledPath: string
  bodyText?: string
  timeoutMs: number
  budget: RetryBudget
  attempt: number
}

/** A failed attempt: its error, and its failure kind when the failure is retryable at all. */
interface Failure {
  type: 'failure'
  error: SparkflyError
  kind?: FailureKind
  retryAfterMs?: number
  fields: LogFields
}

/** How one attempt ended. */
type Outcome = { type: 'success'; raw: RawResponse; fields: LogFields } | Failure

type LogFields = Record<string, unknown>

const REDACTED = '[REDACTED]'

/**
 * Runs one Sparkfly operation: builds the URL and headers, sends it with a per-attempt timeout, maps
 * failures to {@link SparkflyError} subclasses (each saying in `applied` whether Sparkfly could have acted),
 * parses the answer and logs each attempt.
 *
 * When an attempt is repeated (policy in `retry.ts`, each operation's class in `operations.ts`):
 * - 401 (authenticated calls): the token is refreshed once (secret re-read, re-minted) and the call is
 *   sent again; Sparkfly rejected it before acting, so this is safe for every operation. A second 401
 *   throws {@link SparkflyAuthenticationError}. This repeat does not count against `maxRetries`.
 * - 429 and a connection that could not be opened (`applied: 'no'`): every operation. After `Retry-After`
 *   (seconds or HTTP date) or backoff; a `Retry-After` that does not fit the budget throws at once.
 * - 5xx, timeouts, resets and other network errors (`applied: 'maybe'`): idempotent operations only, plus
 *   one free retry of a reset even with `maxRetries: 0` (stale keep-alive socket). Unsafe operations
 *   (issue, create, redeem, void) are never replayed on a `maybe` outcome: they surface it as a retryable
 *   error for the caller, which owns de-duplication.
 * A caller's abort rethrows the signal's reason unchanged (treat it as `applied: 'maybe'`, see `appliedOf`).
 * A failure to obtain the token is thrown as is: its `operation` is `auth` and its `applied` describes the
 * `/auth` request; the call itself was not sent.
 */
export async function sparkflyRequest<T>(
  context: RequestContext,
  spec: CallSpec<T>,
  options: RequestOptions = {},
): Promise<T> {
  const call = planCall(context, spec, options)
  const provider = spec.authenticate === false ? undefined : context.auth
  let auth = provider ? await provider.getAuth() : undefined
  let authRefreshed = false
  for (;;) {
    call.attempt += 1
    const outcome = await runAttempt(call, auth)
    if (outcome.type === 'success') {
      context.logger.debug('Sparkfly call succeeded', outcome.fields)
      return spec.parse(outcome.raw, spec.operation)
    }
    if (outcome.error.status === 401 && provider && auth && !authRefreshed) {
      context.logger.warn('Sparkfly rejected the token; refreshing it once', outcome.fields)
      authRefreshed = true
      auth = await provider.getAuth({ forceRefresh: true, rejectedToken: auth.token })
      continue
    }
    const decision = outcome.kind ? call.budget.decide(outcome.kind, outcome.retryAfterMs) : undefined
    logFailure(context.logger, outcome, decision)
    if (!decision?.retry) throw outcome.error
    await wait(decision.delayMs, options.signal)
  }
}

/** Fixes the settings of one call: method, path, body, per-attempt timeout and retry budget. */
function planCall(context: RequestContext, spec: CallSpec<unknown>, options: RequestOptions): Call {
  const table = SPARKFLY_OPERATIONS[spec.operation]
  const timeoutMs = options.timeoutMs ?? context.defaults.timeoutMs
  const totalTimeoutMs = Math.max(options.totalTimeoutMs ?? context.defaults.totalTimeoutMs, timeoutMs)
  const budget = new RetryBudget({
    replay: table.replay,
    maxRetries: options.maxRetries ?? context.defaults.maxRetries,
    deadline: Date.now() + totalTimeoutMs,
    baseDelayMs: context.defaults.retryBaseDelayMs,
    maxDelayMs: context.defaults.retryMaxDelayMs,
    random: context.random,
  })
  return {
    context,
    spec,
    signal: options.signal,
    method: spec.method ?? table.method,
    template: table.path,
    filledPath: fillPath(table.path, spec.params),
    bodyText: spec.body === undefined ? undefined : JSON.stringify(spec.body),
    timeoutMs,
    budget,
    attempt: 0,
  }
}

/** URL and headers of one attempt (the token and base URL may change after a refresh). */
function buildRequest(
  call: Call,
  auth: SparkflyAuth | undefined,
): { url: string; headers: Record<string, string> } {
  const { context, spec } = call
  const url = spec.url ?? buildUrl(auth?.baseUrl ?? context.baseUrl, call.filledPath, spec.query)
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'User-Agent': context.userAgent,
    ...spec.headers,
  }
  if (call.bodyText !== undefined) headers['Content-Type'] = 'application/json'
  if (auth) headers['X-Auth-Token'] = auth.token
  return { url, headers }
}

/**
 * Sends one attempt and reads the answer, within the per-attempt timeout (capped by what is left of the
 * call's budget). Transport and body-read failures become a `failure` outcome; a caller's abort throws.
 */
async function runAttempt(call: Call, auth: SparkflyAuth | undefined): Promise<Outcome> {
  const fields: LogFields = {
    operation: call.spec.operation,
    method: call.method,
    path: call.template,
    attempt: call.attempt,
  }
  const attemptTimeout = Math.max(1, Math.min(call.timeoutMs, call.budget.remainingMs()))
  const timeout = AbortSignal.timeout(attemptTimeout)
  const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout
  const { url, headers } = buildRequest(call, auth)
  const started = Date.now()
  const request: SparkflyTransportRequest = { method: call.method, headers, body: call.bodyText, signal }
  let response: Response | undefined
  try {
    response = await abortable(call.context.transport(url, request), signal)
    const raw = await readAnswer(call, response, signal)
    const answered = {
      ...fields,
      status: raw.status,
      durationMs: Date.now() - started,
      requestId: raw.requestId,
    }
    if (raw.status >= 200 && raw.status < 300) return { type: 'success', raw, fields: answered }
    return answerFailure(call, raw, answered)
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason
    const status = response?.status
    const kind = networkFailureKind(error, timeout.aborted, status)
    const failure = networkFailure(call.spec.operation, kind, error, attemptTimeout, status)
    return {
      type: 'failure',
      error: failure,
      kind,
      fields: { ...fields, status, durationMs: Date.now() - started },
    }
  }
}

/** Reads the body (redacted) and the request id. Sparkfly has answered: a failure here may follow work it did. */
async function readAnswer(call: Call, response: Response, signal: AbortSignal): Promise<RawResponse> {
  const text = await abortable(response.text(), signal)
  return {
    status: response.status,
    headers: response.headers,
    bodyText: redact(text, call),
    requestId: response.headers.get('x-request-id') ?? undefined,
  }
}

/** Maps a non-2xx answer to its error, and to a failure kind when it is retryable at all. */
function answerFailure(call: Call, raw: RawResponse, fields: LogFields): Failure {
  const retryAfterMs = parseRetryAfter(raw.headers.get('retry-after'))
  const error = createSparkflyError({
    status: raw.status,
    operation: call.spec.operation,
    body: parseBody(raw.bodyText),
    requestId: raw.requestId,
    retryAfterMs,
  })
  const kind =
    raw.status === 429
      ? FAILURE_KINDS.rateLimited
      : raw.status === 408
        ? FAILURE_KINDS.timeout
        : raw.status >= 500
          ? FAILURE_KINDS.serverError
          : undefined
  return { type: 'failure', error, kind, retryAfterMs, fields }
}

/** Failure kind of a transport or body-read error: a reset after the answer started is a plain network error. */
function networkFailureKind(error: unknown, timedOut: boolean, status: number | undefined): FailureKind {
  if (timedOut) return FAILURE_KINDS.timeout
  return status === undefined ? classifyNetworkError(error) : FAILURE_KINDS.networkError
}

function logFailure(logger: SparkflyLogger, failure: Failure, decision: RetryDecision | undefined): void {
  const { error, kind, fields } = failure
  logger.warn('Sparkfly call failed', {
    ...fields,
    error: error.name,
    applied: error.applied,
    reason: kind,
    code: error instanceof SparkflyConnectionError ? error.code : undefined,
    retrying: decision?.retry ?? false,
    ...(decision?.retry ? { delayMs: decision.delayMs } : {}),
  })
}

/** Scrubs the auth provider's secrets and the call's own from text that may be logged or thrown. */
function redact(text: string, call: Call): string {
  let out = text
  for (const secret of [...(call.context.auth?.secrets() ?? []), ...(call.spec.secrets ?? [])]) {
    if (secret.length >= 6) out = out.split(secret).join(REDACTED)
  }
  return out
}

/** Waits `ms` before the next attempt; a caller's abort rejects with its reason. */
function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Settles with `promise`, or rejects with the signal's reason as soon as it aborts (whatever the transport does). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The transport rejects too (its signal is aborted): nobody waits for it, so its rejection must not go unhandled.
    promise.catch(() => undefined)
    return Promise.reject(signal.reason)
  }
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

/**
 * The error of an attempt that got no complete answer: a timeout, or a connection error whose `applied`
 * follows the failure kind (`no` only when the connection could not be opened).
 */
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
    { operation, status, code, cause: error, applied: FAILURE_APPLIED[kind] },
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
    const details = { operation, status: response.status, requestId: response.requestId }
    let json: unknown
    try {
      json = JSON.parse(response.bodyText)
    } catch {
      const message = `Sparkfly ${operation} answered ${response.status} with a body that is not JSON`
      throw new SparkflyContractError(message, { ...details, path: '(body)' })
    }
    const result = z.safeParse(schema, json)
    if (result.success) return result.data
    const issue = result.error.issues[0]
    const path = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'
    throw new SparkflyContractError(
      `Sparkfly ${operation} response did not match the expected schema at "${path}": ${issue?.message ?? 'invalid'}`,
      { ...details, path },
    )
  }
}

/** Parser for answers whose body is ignored (void endpoints answer 200 with an empty body). */
export const noBody: CallSpec<undefined>['parse'] = () => undefined

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
