import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import type { JSONWebKeySet } from 'jose'
import { BodyTooLargeError, close, listen, readBody } from '../aws/http'
import { createLambdaContext, invokeHandler, type LambdaHandler, LOCAL_ACCOUNT_ID } from './lambda'
import {
  claimsForEvent,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  localJwks,
  mintStaffToken,
  type StaffTokenClaims,
  setDefaultTokenTarget,
  verifyStaffToken,
} from './localIdp'
import type { FunctionConfig, HandlerResolver, HttpApiEvent, ServerlessConfig } from './serverlessConfig'

export { LOCAL_AUDIENCE, LOCAL_ISSUER, localJwks, mintStaffToken, type StaffTokenClaims } from './localIdp'

/**
 * A local API Gateway HTTP API (payload format 2.0) for the routes serverless.yml declares:
 * - builds the event like API Gateway (lower-cased headers, rawPath/rawQueryString, path parameters,
 *   requestContext with http, requestId, timeEpoch and the JWT claims), the body as a string with the
 *   received bytes intact (base64 with `isBase64Encoded` for non-text content types);
 * - JWT-authorized routes are checked before the function runs: missing or invalid token -> 401
 *   `{"message":"Unauthorized"}`, token without a required scope -> 403 `{"message":"Forbidden"}`;
 * - payloads over 10 MB -> 413, unknown routes -> 404 `{"message":"Not Found"}`, a failing function
 *   -> 500 `{"message":"Internal Server Error"}`, over the 30 s integration timeout -> 503;
 * - a plain result (no `statusCode`) becomes 200 `application/json`, as API Gateway infers it.
 */

export const API_GATEWAY_LIMITS = {
  maxPayloadBytes: 10 * 1024 * 1024,
  integrationTimeoutMs: 30_000,
} as const

export interface HttpRoute {
  fn: FunctionConfig
  event: HttpApiEvent
}

export interface AuthorizerTarget {
  issuer: string
  audience: string[]
}

export interface HttpApiOptions {
  /** Routes come from every function's httpApi events. */
  config: Pick<ServerlessConfig, 'functions' | 'authorizers'>
  /** Loads a function's handler (see `handlerResolver` in serverlessConfig.ts). */
  resolveHandler: HandlerResolver
  port?: number
  host?: string
  region?: string
  /**
   * Issuer/audience per authorizer name, overriding serverless.yml. Authorizers whose issuer is
   * missing or unresolved locally use {@link LOCAL_ISSUER} / {@link LOCAL_AUDIENCE}.
   */
  authorizers?: Record<string, Partial<AuthorizerTarget>>
  maxPayloadBytes?: number
  integrationTimeoutMs?: number
  /** One call per request, after the response is sent (no bodies, no tokens). */
  onRequest?: (entry: HttpRequestLog) => void
  /** Function errors and handler loading failures (the client only sees a generic 500). */
  onError?: (error: unknown, route: string) => void
}

export interface HttpRequestLog {
  requestId: string
  method: string
  path: string
  routeKey?: string
  functionName?: string
  status: number
  durationMs: number
}

export interface HttpApi {
  /** Base URL, e.g. `http://127.0.0.1:41237`. */
  url: string
  routes: { routeKey: string; functionKey: string; authorizer?: string }[]
  /** Issuer/audience each JWT authorizer checks. */
  authorizers: Record<string, AuthorizerTarget>
  /** The JWKS the authorizers trust (also served at `GET /.well-known/jwks.json`). */
  jwks(): Promise<JSONWebKeySet>
  /** A token for `authorizer` (default: the first one) that its routes accept. */
  mintStaffToken(claims: StaffTokenClaims, authorizer?: string): Promise<string>
  stop(): Promise<void>
}

interface CompiledRoute extends HttpRoute {
  segments: string[]
  greedy: boolean
  literals: number
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const
const JWKS_PATH = '/.well-known/jwks.json'
const TEXT_TYPES = [
  /^text\//,
  /^application\/(.+\+)?json\b/,
  /^application\/(.+\+)?xml\b/,
  /^application\/javascript\b/,
  /^application\/x-www-form-urlencoded\b/,
  /^application\/graphql\b/,
]

function compile(route: HttpRoute): CompiledRoute {
  const segments = route.event.path === '*' ? [] : route.event.path.split('/').filter(Boolean)
  return {
    ...route,
    segments,
    greedy: segments.some((segment) => /^\{.+\+\}$/.test(segment)),
    literals: segments.filter((segment) => !segment.startsWith('{')).length,
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    return value
  }
}

function matchPath(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {}
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i] ?? ''
    const greedy = /^\{(.+)\+\}$/.exec(segment)
    if (greedy) {
      if (parts.length <= i) return undefined
      params[greedy[1] ?? 'proxy'] = parts.slice(i).map(safeDecode).join('/')
      return params
    }
    const part = parts[i]
    if (part === undefined) return undefined
    const param = /^\{(.+)\}$/.exec(segment)
    if (param) params[param[1] ?? ''] = safeDecode(part)
    else if (segment !== part) return undefined
  }
  return parts.length === route.segments.length ? params : undefined
}

/** API Gateway's choice: exact method over ANY, fewer greedy segments, more literal segments; `$default` last. */
function findRoute(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; params: Record<string, string> } | undefined {
  const parts = path.split('/').filter(Boolean)
  const candidates: { route: CompiledRoute; params: Record<string, string> }[] = []
  for (const route of routes) {
    if (route.event.path === '*') continue
    if (route.event.method !== '*' && route.event.method !== method) continue
    const params = matchPath(route, parts)
    if (params) candidates.push({ route, params })
  }
  candidates.sort(
    (a, b) =>
      Number(a.route.greedy) - Number(b.route.greedy) ||
      b.route.literals - a.route.literals ||
      Number(a.route.event.method === '*') - Number(b.route.event.method === '*'),
  )
  const fallback = routes.find((route) => route.event.path === '*')
  return candidates[0] ?? (fallback ? { route: fallback, params: {} } : undefined)
}

function isText(contentType: string | undefined): boolean {
  const type = (contentType ?? '').toLowerCase().trim()
  return TEXT_TYPES.some((pattern) => pattern.test(type))
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The body as API Gateway passes it: text as a string (bytes unchanged), anything else in base64. */
function eventBody(
  raw: Buffer,
  contentType: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (raw.length === 0) return { isBase64Encoded: false }
  if (isText(contentType)) {
    try {
      return { body: utf8.decode(raw), isBase64Encoded: false }
    } catch {
      // not valid UTF-8: keep the exact bytes
    }
  }
  return { body: raw.toString('base64'), isBase64Encoded: true }
}

function requestTime(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const pad = (value: number) => String(value).padStart(2, '0')
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
}

function apiRequestId(): string {
  return randomBytes(10).toString('base64').replace(/=+$/, '=')
}

function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`
}

interface BuildEventInput {
  req: IncomingMessage
  raw: Buffer
  route: CompiledRoute
  params: Record<string, string>
  requestId: string
  now: Date
  jwt?: { claims: Record<string, string>; scopes: string[] }
  port: number
}

function buildEvent({
  req,
  raw,
  route,
  params,
  requestId,
  now,
  jwt,
  port,
}: BuildEventInput): APIGatewayProxyEventV2 {
  const url = req.url ?? '/'
  const queryIndex = url.indexOf('?')
  const rawPath = queryIndex < 0 ? url : url.slice(0, queryIndex)
  const rawQueryString = queryIndex < 0 ? '' : url.slice(queryIndex + 1)
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')

  const headers: Record<string, string> = {}
  let cookies: string[] | undefined
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (!values) continue
    if (name === 'cookie')
      cookies = values.flatMap((value) => value.split(';').map((cookie) => cookie.trim()))
    else headers[name] = values.join(',')
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${sourceIp}`
    : sourceIp
  headers['x-forwarded-port'] = String(port)
  headers['x-forwarded-proto'] = 'http'
  headers['x-amzn-trace-id'] = traceId()

  const query: Record<string, string> = {}
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`
  }
  const host = headers.host ?? `127.0.0.1:${port}`
  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
    version: '2.0',
    routeKey: route.event.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.event.routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...eventBody(raw, headers['content-type']),
  }
  if (cookies) event.cookies = cookies
  if (Object.keys(query).length > 0) event.queryStringParameters = query
  if (Object.keys(params).length > 0) event.pathParameters = params
  if (jwt) event.requestContext.authorizer = { jwt }
  return event
}

interface HttpAnswer {
  status: number
  headers: Record<string, string | string[]>
  body: Buffer
}

const message = (status: number, text: string, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { ...JSON_HEADERS, ...headers },
  body: Buffer.from(JSON.stringify({ message: text })),
})

class InvalidLambdaResponse extends Error {
  constructor(reason: string) {
    super(`Invalid Lambda response: ${reason}`)
    this.name = 'InvalidLambdaResponse'
  }
}

/** Turns a handler's result into the HTTP answer, as API Gateway does for payload format 2.0. */
export function translateResult(result: unknown): HttpAnswer {
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : undefined
  if (!structured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null)
    return { status: 200, headers: { ...JSON_HEADERS }, body: Buffer.from(body) }
  }
  const status = Number(structured.statusCode)
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new InvalidLambdaResponse('statusCode')
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    headers[name.toLowerCase()] = String(value)
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies
  const body = structured.body ?? ''
  if (typeof body !== 'string') throw new InvalidLambdaResponse('body is not a string')
  return {
    status,
    headers,
    body: structured.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body),
  }
}

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const token = header.replace(/^Bearer\s+/i, '').trim()
  return token === '' ? undefined : token
}

function resolveAuthorizers(
  config: HttpApiOptions['config'],
  overrides: HttpApiOptions['authorizers'] = {},
): Record<string, AuthorizerTarget> {
  const targets: Record<string, AuthorizerTarget> = {}
  for (const [name, authorizer] of Object.entries(config.authorizers)) {
    if (authorizer.type !== 'jwt') {
      throw new Error(
        `Authorizer ${name} is of type ${authorizer.type}; the local HTTP API supports JWT authorizers only`,
      )
    }
    const usable = (value: string | undefined) => (value && !value.includes('${') ? value : undefined)
    const audience = authorizer.audience.filter((value) => usable(value))
    targets[name] = {
      issuer: overrides[name]?.issuer ?? usable(authorizer.issuerUrl) ?? LOCAL_ISSUER,
      audience: overrides[name]?.audience ?? (audience.length > 0 ? audience : [LOCAL_AUDIENCE]),
    }
  }
  return targets
}

/** What a running local HTTP API answers requests with. */
interface ApiState {
  readonly options: HttpApiOptions
  readonly region: string
  readonly maxPayloadBytes: number
  readonly integrationTimeoutMs: number
  readonly authorizers: Record<string, AuthorizerTarget>
  readonly routes: CompiledRoute[]
  /** Set once the server listens (events carry it as x-forwarded-port). */
  port: number
}

function compileRoutes(
  config: HttpApiOptions['config'],
  authorizers: Record<string, AuthorizerTarget>,
): CompiledRoute[] {
  const routes = config.functions.flatMap((fn) =>
    fn.events.flatMap((event) => (event.type === 'httpApi' ? [compile({ fn, event })] : [])),
  )
  for (const route of routes) {
    const name = route.event.authorizer?.name
    if (name && !authorizers[name])
      throw new Error(`Route ${route.event.routeKey} names unknown authorizer ${name}`)
  }
  return routes
}

/** The JWT part of the event for an authorized route, or the 401/403 answer when the token fails. */
async function authorize(
  api: ApiState,
  route: CompiledRoute,
  req: IncomingMessage,
): Promise<{ jwt: BuildEventInput['jwt'] } | { denied: HttpAnswer }> {
  const authorizerName = route.event.authorizer?.name
  if (!authorizerName) return { jwt: undefined }
  const target = api.authorizers[authorizerName] as AuthorizerTarget
  const check = await verifyStaffToken(
    bearerToken(req.headers.authorization),
    target,
    route.event.authorizer?.scopes ?? [],
  )
  if (!check.ok) {
    return check.status === 403
      ? { denied: message(403, 'Forbidden') }
      : { denied: message(401, 'Unauthorized', { 'www-authenticate': 'Bearer' }) }
  }
  return { jwt: { claims: claimsForEvent(check.claims), scopes: check.scopes } }
}

/** Runs the route's function with the event and translates its outcome as API Gateway does. */
async function invokeRoute(
  api: ApiState,
  route: CompiledRoute,
  event: APIGatewayProxyEventV2,
): Promise<HttpAnswer> {
  const { options } = api
  let handler: LambdaHandler<APIGatewayProxyEventV2, unknown>
  try {
    handler = (await options.resolveHandler(route.fn)) as LambdaHandler<APIGatewayProxyEventV2, unknown>
  } catch (error) {
    options.onError?.(error, route.event.routeKey)
    return message(500, 'Internal Server Error')
  }
  const functionTimeoutMs = route.fn.timeoutSeconds * 1000
  const timeoutMs = Math.min(functionTimeoutMs, api.integrationTimeoutMs)
  const context = createLambdaContext({
    functionName: route.fn.name,
    timeoutMs: functionTimeoutMs,
    region: api.region,
    memoryLimitInMB: route.fn.memorySize,
  })
  const outcome = await invokeHandler(handler, event, context, timeoutMs)
  if (outcome.status === 'timeout') {
    return functionTimeoutMs > api.integrationTimeoutMs
      ? message(503, 'Service Unavailable')
      : message(500, 'Internal Server Error')
  }
  if (outcome.status === 'error') {
    options.onError?.(outcome.error, route.event.routeKey)
    return message(500, 'Internal Server Error')
  }
  try {
    return translateResult(outcome.result)
  } catch (error) {
    options.onError?.(error, route.event.routeKey)
    return message(500, 'Internal Server Error')
  }
}

async function answer(
  api: ApiState,
  req: IncomingMessage,
  requestId: string,
  log: HttpRequestLog,
): Promise<HttpAnswer> {
  const method = (req.method ?? 'GET').toUpperCase()
  const path = (req.url ?? '/').split('?')[0] ?? '/'
  let raw: Buffer
  try {
    raw = await readBody(req, api.maxPayloadBytes)
  } catch (error) {
    if (error instanceof BodyTooLargeError) return message(413, 'Request Entity Too Large')
    throw error
  }
  if (method === 'GET' && path === JWKS_PATH) {
    return {
      status: 200,
      headers: { ...JSON_HEADERS },
      body: Buffer.from(JSON.stringify(await localJwks())),
    }
  }
  const match = findRoute(api.routes, method, path)
  if (!match) return message(404, 'Not Found')
  const { route, params } = match
  log.routeKey = route.event.routeKey
  log.functionName = route.fn.name
  const auth = await authorize(api, route, req)
  if ('denied' in auth) return auth.denied
  const event = buildEvent({
    req,
    raw,
    route,
    params,
    requestId,
    now: new Date(),
    jwt: auth.jwt,
    port: api.port,
  })
  return invokeRoute(api, route, event)
}

function handleRequest(api: ApiState, req: IncomingMessage, res: ServerResponse): void {
  const { options } = api
  const started = Date.now()
  const requestId = apiRequestId()
  const log: HttpRequestLog = {
    requestId,
    method: req.method ?? 'GET',
    path: (req.url ?? '/').split('?')[0] ?? '/',
    status: 0,
    durationMs: 0,
  }
  answer(api, req, requestId, log)
    .catch((error: unknown) => {
      options.onError?.(error, log.routeKey ?? log.path)
      return message(500, 'Internal Server Error')
    })
    .then((result) => {
      res.writeHead(result.status, {
        ...result.headers,
        'content-length': result.body.length,
        'apigw-requestid': requestId,
        date: new Date().toUTCString(),
      })
      res.end(req.method === 'HEAD' ? undefined : result.body)
      log.status = result.status
      log.durationMs = Date.now() - started
      options.onRequest?.(log)
    })
}

/**
 * Starts the local HTTP API on `host:port` (default 127.0.0.1, a free port).
 *
 * @example
 * const api = await startHttpApi({ config, resolveHandler: handlerResolver({ rootDir, importModule: (p) => import(p) }) })
 */
export async function startHttpApi(options: HttpApiOptions): Promise<HttpApi> {
  const authorizers = resolveAuthorizers(options.config, options.authorizers)
  const api: ApiState = {
    options,
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxPayloadBytes: options.maxPayloadBytes ?? API_GATEWAY_LIMITS.maxPayloadBytes,
    integrationTimeoutMs: options.integrationTimeoutMs ?? API_GATEWAY_LIMITS.integrationTimeoutMs,
    authorizers,
    routes: compileRoutes(options.config, authorizers),
    port: 0,
  }
  const firstAuthorizer = Object.values(authorizers)[0]
  if (firstAuthorizer?.audience[0]) {
    setDefaultTokenTarget({ issuer: firstAuthorizer.issuer, audience: firstAuthorizer.audience[0] })
  }
  const server = createServer((req, res: ServerResponse) => handleRequest(api, req, res))
  const host = options.host ?? '127.0.0.1'
  api.port = await listen(server, options.port ?? 0, host)

  return {
    url: `http://${host}:${api.port}`,
    routes: api.routes.map((route) => ({
      routeKey: route.event.routeKey,
      functionKey: route.fn.key,
      authorizer: route.event.authorizer?.name,
    })),
    authorizers,
    jwks: localJwks,
    mintStaffToken: (claims, authorizer) => {
      const target = authorizer ? authorizers[authorizer] : firstAuthorizer
      if (authorizer && !target) throw new Error(`Unknown authorizer ${authorizer}`)
      return mintStaffToken({ issuer: target?.issuer, audience: target?.audience[0], ...claims })
    },
    stop: () => close(server),
  }
}
