import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve as resolvePath } from 'node:path'
import { parse, type Tags } from 'yaml'

/**
 * Reads serverless.yml the way the Serverless Framework would for what local runs need: each
 * function's handler, events (httpApi, sqs, schedule), environment and timeout, plus the HTTP API's
 * JWT authorizers. Resolves `${file(./x.yml)}` / `${file(./x.yml):key}` includes, `${self:...}`,
 * `${sls:stage}`, `${opt:stage|region}`, `${param:...}` (params.<stage> then params.default),
 * `${env:...}` and `${aws:region|accountId}`, with `, fallback` alternatives. CloudFormation tags
 * (`!Ref`, `!GetAtt`, `!Sub`...) become their JSON form. Variables it cannot resolve locally
 * (`${ssm:...}`, `${cf:...}`) are kept as text and listed in `unresolved`.
 */

export interface LoadServerlessConfigOptions {
  /** Path of serverless.yml; default `<rootDir>/serverless.yml`. */
  file?: string
  /** Service directory (where handler paths and `${file()}` paths start); default the file's folder. */
  rootDir?: string
  /** Default: `--stage` semantics: `provider.stage` (its `${opt:stage, x}` fallback), else `dev`. */
  stage?: string
  region?: string
  /** Values that win over `params` in the file. */
  params?: Record<string, unknown>
  /** For `${env:...}`; default process.env. */
  env?: Record<string, string | undefined>
}

export interface HttpApiEvent {
  type: 'httpApi'
  /** Upper case, `*` for any method. */
  method: string
  /** `/offers/{id}/void`, or `*` for the `$default` route. */
  path: string
  routeKey: string
  authorizer?: { name: string; scopes?: string[] }
}

export interface SqsEvent {
  type: 'sqs'
  /** As written: an ARN string or a CloudFormation reference such as `{ 'Fn::GetAtt': [id, 'Arn'] }`. */
  arn: unknown
  /** The queue's logical id in `resources` when the ARN is a `Fn::GetAtt`. */
  logicalId?: string
  /** The queue's name, when it can be known from the ARN or the resource's QueueName. */
  queueName?: string
  batchSize: number
  maximumBatchingWindowSeconds?: number
  maximumConcurrency?: number
  reportBatchItemFailures: boolean
  enabled: boolean
}

export interface ScheduleEvent {
  type: 'schedule'
  /** `rate(5 minutes)` / `cron(...)` expressions. */
  rate: string[]
  enabled: boolean
  input?: unknown
  name?: string
}

export type FunctionEvent = HttpApiEvent | SqsEvent | ScheduleEvent

export interface FunctionConfig {
  /** Key under `functions:`. */
  key: string
  /** Deployed name: `name:` or `<service>-<stage>-<key>`. */
  name: string
  /** As written, e.g. `functions/issue-offers.handler`. */
  handler: string
  /** `functions/issue-offers` (relative to rootDir, no extension). */
  handlerModule: string
  /** `handler` */
  handlerExport: string
  timeoutSeconds: number
  memorySize: number
  /** provider.environment merged with the function's; values may be CloudFormation references. */
  environment: Record<string, unknown>
  events: FunctionEvent[]
}

export interface JwtAuthorizerConfig {
  name: string
  type: string
  issuerUrl?: string
  audience: string[]
  identitySource: string
}

export interface ServerlessConfig {
  service: string
  stage: string
  region: string
  rootDir: string
  functions: FunctionConfig[]
  authorizers: Record<string, JwtAuthorizerConfig>
  /** `resources.Resources`, merged when `resources` is a list of includes. */
  resources: Record<string, unknown>
  /** The whole resolved document. */
  document: Record<string, unknown>
  /** Variables left as text because they cannot be resolved locally. */
  unresolved: string[]
}

const INTRINSICS = [
  'Ref',
  'Condition',
  'GetAtt',
  'Sub',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'ImportValue',
  'FindInMap',
  'Base64',
  'GetAZs',
  'Cidr',
] as const

const intrinsicKey = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`)

const cloudFormationTags: Tags = INTRINSICS.flatMap((name) => [
  {
    tag: `!${name}`,
    resolve: (value: string) => {
      if (name !== 'GetAtt') return { [intrinsicKey(name)]: value }
      const dot = value.indexOf('.')
      return { 'Fn::GetAtt': dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] }
    },
  },
  ...(['seq', 'map'] as const).map((collection) => ({
    tag: `!${name}`,
    collection,
    resolve: (node: { toJSON(): unknown }) => ({ [intrinsicKey(name)]: node.toJSON() }),
  })),
])

function readYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'), { customTags: cloudFormationTags, merge: true })
  } catch (error) {
    // A `${var}` inside a flow mapping (`[{ Value: ${self:service} }]`) is invalid YAML: quote it.
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error })
  }
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function getPath(root: unknown, path: string): unknown {
  if (path === '') return root
  let current: unknown = root
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)]
    else if (isObject(current)) current = current[segment]
    else return undefined
  }
  return current
}

/** Index of the `}` closing the `${` that starts at `start`, or -1. */
function closingBrace(text: string, start: number): number {
  let depth = 0
  let quote: string | undefined
  for (let i = start; i < text.length; i++) {
    const char = text[i]
    if (quote) {
      if (char === quote) quote = undefined
    } else if ((char === "'" || char === '"') && depth > 0) quote = char
    else if (char === '$' && text[i + 1] === '{') {
      depth++
      i++
    } else if (char === '}') {
      depth--
      if (depth === 0) return i
    }
  }
  return -1
}

/** Splits `a, 'b,c', ${x, y}` on the commas outside quotes, parentheses and nested variables. */
function splitAlternatives(expression: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote: string | undefined
  let current = ''
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i] ?? ''
    if (quote) {
      if (char === quote) quote = undefined
    } else if (char === "'" || char === '"') quote = char
    else if (char === '{' || char === '(') depth++
    else if (char === '}' || char === ')') depth--
    else if (char === ',' && depth === 0) {
      parts.push(current.trim())
      current = ''
      continue
    }
    current += char
  }
  parts.push(current.trim())
  return parts
}

/** A Serverless variable starts with its source (`self:`, `file(...)`); `${AWS::Region}` and `${Name}` belong to Fn::Sub. */
const VARIABLE_SOURCE = /^\s*[a-zA-Z][a-zA-Z0-9]*(:(?!:)|\([^)]*\))/
const UNRESOLVED = Symbol('unresolved')

class Resolver {
  private readonly files = new Map<string, unknown>()
  readonly unresolved = new Set<string>()
  stage: string | undefined
  private depth = 0

  constructor(
    private readonly root: Json,
    private readonly rootDir: string,
    private readonly options: LoadServerlessConfigOptions,
  ) {
    this.stage = options.stage
  }

  resolve(value: unknown): unknown {
    if (typeof value === 'string') return this.resolveString(value)
    if (Array.isArray(value)) return value.map((item) => this.resolve(item))
    if (isObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolve(item)]))
    }
    return value
  }

  private nested<T>(fn: () => T): T {
    if (++this.depth > 64) throw new Error('serverless.yml: variables nest too deeply (a cycle?)')
    try {
      return fn()
    } finally {
      this.depth--
    }
  }

  private resolveString(text: string): unknown {
    let output = ''
    let index = 0
    while (index < text.length) {
      const start = text.indexOf('${', index)
      if (start < 0) break
      const end = closingBrace(text, start)
      if (end < 0) break
      const expression = text.slice(start + 2, end)
      const value = VARIABLE_SOURCE.test(expression)
        ? this.nested(() => this.evaluate(expression))
        : UNRESOLVED
      if (value === UNRESOLVED) {
        if (VARIABLE_SOURCE.test(expression)) this.unresolved.add(text.slice(start, end + 1))
        output += text.slice(index, end + 1)
      } else if (start === 0 && end === text.length - 1) {
        return value
      } else {
        output += text.slice(index, start) + (typeof value === 'string' ? value : JSON.stringify(value))
      }
      index = end + 1
    }
    return output + text.slice(index)
  }

  private evaluate(expression: string): unknown {
    for (const alternative of splitAlternatives(expression)) {
      const value = this.alternative(alternative)
      if (value !== undefined && value !== null && value !== UNRESOLVED) return value
    }
    return UNRESOLVED
  }

  private alternative(text: string): unknown {
    const quoted = /^(['"])(.*)\1$/s.exec(text)
    if (quoted) return quoted[2]
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text)
    if (text === 'true' || text === 'false') return text === 'true'
    if (text.startsWith('${')) return this.resolveString(text)
    const interpolated = this.resolveString(text)
    if (typeof interpolated !== 'string') return UNRESOLVED
    const file = /^file\(([^)]+)\)(?::(.*))?$/.exec(interpolated)
    if (file) return this.fromFile(file[1]?.trim() ?? '', file[2]?.trim() ?? '')
    const colon = interpolated.indexOf(':')
    const source = interpolated.slice(0, colon)
    const address = interpolated.slice(colon + 1).trim()
    switch (source) {
      case 'self':
        return this.resolve(getPath(this.root, address))
      case 'sls':
        return address === 'stage' ? this.currentStage() : undefined
      case 'opt':
        return address === 'stage'
          ? this.options.stage
          : address === 'region'
            ? this.options.region
            : undefined
      case 'param':
        return this.param(address)
      case 'env':
        return (this.options.env ?? process.env)[address]
      case 'aws':
        return address === 'region'
          ? this.currentRegion()
          : address === 'accountId'
            ? '000000000000'
            : undefined
      default:
        return undefined
    }
  }

  private fromFile(path: string, key: string): unknown {
    const file = resolvePath(this.rootDir, path.replace(/^['"]|['"]$/g, ''))
    if (!this.files.has(file)) this.files.set(file, existsSync(file) ? readYaml(file) : undefined)
    const content = this.files.get(file)
    if (content === undefined) return undefined
    return this.resolve(getPath(content, key))
  }

  private param(name: string): unknown {
    if (this.options.params && name in this.options.params) return this.options.params[name]
    const params = isObject(this.root.params) ? this.root.params : {}
    const forStage = getPath(params, `${this.currentStage()}.${name}`)
    return this.resolve(forStage !== undefined ? forStage : getPath(params, `default.${name}`))
  }

  currentStage(): string {
    if (this.stage === undefined) {
      this.stage = 'dev'
      const fromProvider = this.resolve(getPath(this.root, 'provider.stage'))
      this.stage = typeof fromProvider === 'string' && !fromProvider.includes('${') ? fromProvider : 'dev'
    }
    return this.stage
  }

  currentRegion(): string {
    if (this.options.region) return this.options.region
    const fromProvider = this.resolve(getPath(this.root, 'provider.region'))
    return typeof fromProvider === 'string' && !fromProvider.includes('${') ? fromProvider : 'us-east-1'
  }
}

/** `functions:` / `resources:` may be a list of includes: merge them into one object. */
function mergeList(value: unknown): Json {
  if (Array.isArray(value)) return Object.assign({}, ...value.filter(isObject))
  return isObject(value) ? value : {}
}

function toList(value: unknown): string[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).map(String)
}

function httpApiEvent(spec: unknown): HttpApiEvent {
  let method = '*'
  let path = '*'
  let authorizer: HttpApiEvent['authorizer']
  if (typeof spec === 'string') {
    if (spec.trim() !== '*') {
      const [m = '*', p = '*'] = spec.trim().split(/\s+/)
      method = m
      path = p
    }
  } else if (isObject(spec)) {
    method = String(spec.method ?? '*')
    path = String(spec.path ?? '*')
    const auth = spec.authorizer
    if (typeof auth === 'string') authorizer = { name: auth }
    else if (isObject(auth) && typeof auth.name === 'string') {
      authorizer = { name: auth.name, scopes: auth.scopes === undefined ? undefined : toList(auth.scopes) }
    }
  }
  method = method.toUpperCase() === 'ANY' ? '*' : method.toUpperCase()
  const routeKey = path === '*' ? '$default' : `${method === '*' ? 'ANY' : method} ${path}`
  return { type: 'httpApi', method, path, routeKey, authorizer }
}

function sqsEvent(spec: unknown, resources: Json): SqsEvent {
  const options = isObject(spec) ? spec : { arn: spec }
  const arn = options.arn
  let logicalId: string | undefined
  let queueName: string | undefined
  if (typeof arn === 'string') queueName = arn.split(':').pop()
  else if (isObject(arn) && Array.isArray(arn['Fn::GetAtt'])) {
    logicalId = String(arn['Fn::GetAtt'][0])
    const name = getPath(resources, `${logicalId}.Properties.QueueName`)
    if (typeof name === 'string' && !name.includes('${')) queueName = name
  }
  return {
    type: 'sqs',
    arn,
    logicalId,
    queueName,
    batchSize: Number(options.batchSize ?? 10),
    maximumBatchingWindowSeconds:
      options.maximumBatchingWindow === undefined ? undefined : Number(options.maximumBatchingWindow),
    maximumConcurrency:
      options.maximumConcurrency === undefined ? undefined : Number(options.maximumConcurrency),
    reportBatchItemFailures: options.functionResponseType === 'ReportBatchItemFailures',
    enabled: options.enabled !== false,
  }
}

function scheduleEvent(spec: unknown): ScheduleEvent {
  const options = isObject(spec) ? spec : { rate: spec }
  return {
    type: 'schedule',
    rate: toList(options.rate),
    enabled: options.enabled !== false,
    input: options.input,
    name: typeof options.name === 'string' ? options.name : undefined,
  }
}

function functionEvents(events: unknown, resources: Json): FunctionEvent[] {
  const result: FunctionEvent[] = []
  for (const event of Array.isArray(events) ? events : []) {
    if (!isObject(event)) continue
    if ('httpApi' in event) result.push(httpApiEvent(event.httpApi))
    else if ('sqs' in event) result.push(sqsEvent(event.sqs, resources))
    else if ('schedule' in event) result.push(scheduleEvent(event.schedule))
  }
  return result
}

function authorizersOf(provider: Json): Record<string, JwtAuthorizerConfig> {
  const declared = mergeList(getPath(provider, 'httpApi.authorizers'))
  const authorizers: Record<string, JwtAuthorizerConfig> = {}
  for (const [name, spec] of Object.entries(declared)) {
    if (!isObject(spec)) continue
    authorizers[name] = {
      name,
      type: String(spec.type ?? 'jwt').toLowerCase(),
      issuerUrl: typeof spec.issuerUrl === 'string' ? spec.issuerUrl : undefined,
      audience: toList(spec.audience),
      identitySource: String(spec.identitySource ?? '$request.header.Authorization'),
    }
  }
  return authorizers
}

/**
 * Loads and resolves serverless.yml.
 *
 * @example
 * const config = loadServerlessConfig({ rootDir: process.cwd(), stage: 'local' })
 * const webhook = config.functions.find((fn) => fn.key === 'redeemWebhook')
 */
export function loadServerlessConfig(options: LoadServerlessConfigOptions = {}): ServerlessConfig {
  const file = resolvePath(options.file ?? resolvePath(options.rootDir ?? process.cwd(), 'serverless.yml'))
  const rootDir = options.rootDir ? resolvePath(options.rootDir) : dirname(file)
  const raw = readYaml(file)
  if (!isObject(raw)) throw new Error(`${file} is not a YAML mapping`)
  const resolver = new Resolver(raw, rootDir, options)
  const stage = resolver.currentStage()
  const document = resolver.resolve(raw) as Json
  const provider = isObject(document.provider) ? document.provider : {}
  const service = String(isObject(document.service) ? document.service.name : document.service)
  const resources = mergeList(
    Array.isArray(document.resources)
      ? document.resources.map((part) => (isObject(part) ? part.Resources : undefined))
      : getPath(document, 'resources.Resources'),
  )
  const providerEnvironment = isObject(provider.environment) ? provider.environment : {}

  const functions = Object.entries(mergeList(document.functions)).flatMap(([key, spec]): FunctionConfig[] => {
    if (!isObject(spec) || typeof spec.handler !== 'string') return []
    const dot = spec.handler.lastIndexOf('.')
    return [
      {
        key,
        name: typeof spec.name === 'string' ? spec.name : `${service}-${stage}-${key}`,
        handler: spec.handler,
        handlerModule: spec.handler.slice(0, dot),
        handlerExport: spec.handler.slice(dot + 1),
        timeoutSeconds: Number(spec.timeout ?? provider.timeout ?? 6),
        memorySize: Number(spec.memorySize ?? provider.memorySize ?? 1024),
        environment: { ...providerEnvironment, ...(isObject(spec.environment) ? spec.environment : {}) },
        events: functionEvents(spec.events, resources),
      },
    ]
  })

  return {
    service,
    stage,
    region: resolver.currentRegion(),
    rootDir,
    functions,
    authorizers: authorizersOf(provider),
    resources,
    document,
    unresolved: [...resolver.unresolved],
  }
}

/** Milliseconds of a `rate(5 minutes)` expression; undefined for `cron(...)` or anything else. */
export function rateToMs(expression: string): number | undefined {
  const match = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim())
  if (!match) return undefined
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2]?.replace(/s$/, '') as 'minute']
  return Number(match[1]) * unit
}

/** A function's environment as strings: CloudFormation references are dropped (supply local values instead). */
export function stringEnvironment(fn: FunctionConfig): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string' && !value.includes('${')) env[name] = value
    else if (typeof value === 'number' || typeof value === 'boolean') env[name] = String(value)
  }
  return env
}

/** Module loader used by {@link handlerResolver}: vitest and tsx both import TypeScript with `import()`. */
export type ModuleImporter = (absolutePath: string) => Promise<Record<string, unknown>>

/** Returns the handler function of a function definition (loaded once, like a warm container). */
export type HandlerResolver = (fn: FunctionConfig) => Promise<(...args: never[]) => unknown>

const HANDLER_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'] as const

/**
 * Resolves `functions/issue-offers.handler` to `<rootDir>/functions/issue-offers.ts` (or .js) and
 * imports it with `importModule` (pass `(p) => import(p)` from the calling file so its toolchain,
 * tsx or vitest, compiles the TypeScript).
 */
export function handlerResolver(options: { rootDir: string; importModule: ModuleImporter }): HandlerResolver {
  const cache = new Map<string, Promise<(...args: never[]) => unknown>>()
  const load = async (fn: FunctionConfig) => {
    const base = isAbsolute(fn.handlerModule)
      ? fn.handlerModule
      : resolvePath(options.rootDir, fn.handlerModule)
    const file = HANDLER_EXTENSIONS.map((extension) => base + extension).find((candidate) =>
      existsSync(candidate),
    )
    if (!file) throw new Error(`Handler module not found for ${fn.key}: ${fn.handlerModule}.{ts,js}`)
    const module = await options.importModule(file)
    const fromDefault = isObject(module.default) ? module.default[fn.handlerExport] : undefined
    const handler = module[fn.handlerExport] ?? fromDefault
    if (typeof handler !== 'function')
      throw new Error(`${file} does not export a function named ${fn.handlerExport}`)
    return handler as (...args: never[]) => unknown
  }
  return (fn) => {
    const key = `${fn.handlerModule}#${fn.handlerExport}`
    let loaded = cache.get(key)
    if (!loaded) {
      loaded = load(fn)
      loaded.catch(() => cache.delete(key))
      cache.set(key, loaded)
    }
    return loaded
  }
}
