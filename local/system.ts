import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { loadRules } from '../lib/issuance/rules'
import { type LocalAws, type QueueKey, startLocalAws, type TopicKey } from './aws'
import {
  type FunctionConfig,
  type HandlerResolver,
  type HttpApi,
  handlerResolver,
  loadServerlessConfig,
  type ModuleImporter,
  rateToMs,
  type Scheduler,
  type ServerlessConfig,
  type SqsEventSource,
  startHttpApi,
  startScheduler,
  startSqsEventSource,
} from './runtime'
import { type Sandbox, type SandboxOptions, startSandbox } from './sandbox'

// Locally we run Node 20 (Lambda runs nodejs22.x): the SDK's Node 22 notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

/**
 * CloudFormation logical ids of serverless.yml's resources and the local resource that stands for each, so the
 * functions get the environment serverless.yml gives them, pointed at the local services.
 */
const LOCAL_STAND_INS: Record<
  string,
  | { queue: QueueKey }
  | { topic: TopicKey }
  | { table: 'ledger' | 'idempotency' }
  | { secret: 'sparkfly' | 'webhook' }
> = {
  LedgerTable: { table: 'ledger' },
  IdempotencyTable: { table: 'idempotency' },
  OfferEventsQueue: { queue: 'offerEvents' },
  OfferEventsDeadLetterQueue: { queue: 'offerEventsDlq' },
  OfferEventsTopic: { topic: 'offerEvents' },
  LoyaltyEventsQueue: { queue: 'loyaltyEvents' },
  LoyaltyEventsDeadLetterQueue: { queue: 'loyaltyEventsDlq' },
  VoidRequestsQueue: { queue: 'voidRequests' },
  VoidRequestsDeadLetterQueue: { queue: 'voidRequestsDlq' },
  SparkflySecret: { secret: 'sparkfly' },
  SparkflyCredentialsSecret: { secret: 'sparkfly' },
  WebhookSecret: { secret: 'webhook' },
}

export interface LocalSystemOptions {
  /** Project root (serverless.yml, functions/); default the current directory. */
  rootDir?: string
  /** How the launcher imports TypeScript handlers (tsx or vitest: pass `(p) => import(p)`). */
  importModule: ModuleImporter
  sandbox?: SandboxOptions
  /** Port of the local HTTP API (default 0: a free port). */
  httpPort?: number
  /** Period of every scheduled function locally (default 60 s; their AWS rates are hours). */
  schedulePeriodMs?: number
  /** Do not start the schedules at all (they still run on demand). */
  disableSchedules?: boolean
  /**
   * Function keys whose SQS pollers are not started in this process, because another process runs them (the soak
   * runs `issueOffers` in a child process it can kill). Their queues are still created and in the environment.
   */
  externalEventSources?: string[]
  /** Where to write the endpoints file; null to skip (default `<rootDir>/.local/endpoints.json`). */
  endpointsFile?: string | null
  /** Environment overrides for every function (local overrides of serverless.yml's values). */
  env?: Record<string, string>
  visibilityTimeoutSeconds?: number
  log?: (line: string) => void
}

export interface LocalSystem {
  sandbox: Sandbox
  aws: LocalAws
  httpApi: HttpApi
  config: ServerlessConfig
  eventSources: Record<string, SqsEventSource>
  schedules: Record<string, Scheduler>
  /** A bearer token the staff routes accept (12 h). */
  staffToken: string
  webhookSecret: string
  endpoints: Record<string, unknown>
  /** Runs a scheduled function now (e.g. `expirySweep` with `{ dryRun: true }`). */
  invoke(functionKey: string, input?: unknown): Promise<unknown>
  /** Resolves once every SQS queue is drained and no invocation is in flight. */
  idle(): Promise<void>
  stop(): Promise<void>
}

type StandIn = (logicalId: string, attribute?: string) => string | undefined
type SqsFunctionEvent = Extract<FunctionConfig['events'][number], { type: 'sqs' }>
type ScheduleFunctionEvent = Extract<FunctionConfig['events'][number], { type: 'schedule' }>

/** What the start-up steps share: the options, the services started so far and how to stop them. */
interface Startup {
  readonly options: LocalSystemOptions
  readonly rootDir: string
  readonly log: (line: string) => void
  /** Stops of everything started so far, in start order. */
  readonly stops: Array<() => Promise<void>>
  readonly eventSources: Record<string, SqsEventSource>
  readonly schedules: Record<string, Scheduler>
}

/** The sandbox, with the campaigns the local issuance rules name. */
function startRulesSandbox(options: LocalSystemOptions): Promise<Sandbox> {
  const campaigns = loadRules('local')
    .rules.flatMap((rule) => (rule.issue.kind === 'offerState' ? [rule.issue.campaignId] : []))
    .map((xid) => ({ xid }))
  return startSandbox({ quiet: true, campaigns, ...options.sandbox })
}

/** The local name or ARN that stands for a CloudFormation resource of serverless.yml. */
function standInFor(aws: LocalAws): StandIn {
  return (logicalId, attribute) => {
    const local = LOCAL_STAND_INS[logicalId]
    if (!local) return undefined
    if ('queue' in local) return attribute === 'Arn' ? aws.queueArns[local.queue] : aws.queues[local.queue]
    // A topic's Ref is its ARN.
    if ('topic' in local) return aws.topics[local.topic]
    if ('table' in local)
      return attribute === 'Arn'
        ? `arn:aws:dynamodb:${aws.region}:000000000000:table/${aws.tables[local.table]}`
        : aws.tables[local.table]
    return aws.secretIds[local.secret]
  }
}

/** An SQS function behind a poller with Lambda's event-source semantics (unless another process runs it). */
async function wireEventSource(
  startup: Startup,
  wiring: { aws: LocalAws; standIn: StandIn; resolveHandler: HandlerResolver },
  fn: FunctionConfig,
  event: SqsFunctionEvent,
): Promise<void> {
  const { log } = startup
  const queueUrl = event.logicalId ? wiring.standIn(event.logicalId) : undefined
  if (!queueUrl) {
    log(`! ${fn.key}: no local queue for ${JSON.stringify(event.arn)}; not wired`)
    return
  }
  const handler = (await wiring.resolveHandler(fn)) as Parameters<typeof startSqsEventSource>[0]['handler']
  const source = startSqsEventSource({
    queueUrl,
    handler,
    functionName: fn.name,
    functionTimeoutMs: fn.timeoutSeconds * 1000,
    batchSize: event.batchSize,
    reportBatchItemFailures: event.reportBatchItemFailures,
    region: wiring.aws.region,
    ...(event.maximumBatchingWindowSeconds !== undefined
      ? { maximumBatchingWindowMs: event.maximumBatchingWindowSeconds * 1000 }
      : {}),
    ...(event.maximumConcurrency ? { maxConcurrency: Math.min(event.maximumConcurrency, 5) } : {}),
    onError: (error) => log(`! ${fn.key} poller: ${(error as Error)?.message ?? error}`),
  })
  startup.eventSources[fn.key] = source
  startup.stops.push(() => source.stop())
}

/** A scheduled function on a sped-up timer (or on demand only). */
async function wireSchedule(
  startup: Startup,
  wiring: { aws: LocalAws; resolveHandler: HandlerResolver },
  fn: FunctionConfig,
  event: ScheduleFunctionEvent,
): Promise<void> {
  const { options } = startup
  const handler = (await wiring.resolveHandler(fn)) as Parameters<typeof startScheduler>[0]['handler']
  const awsPeriod = event.rate.map(rateToMs).find((ms) => ms !== undefined)
  const scheduler = startScheduler({
    handler,
    functionName: fn.name,
    functionTimeoutMs: fn.timeoutSeconds * 1000,
    region: wiring.aws.region,
    ...(options.disableSchedules
      ? {}
      : { periodMs: options.schedulePeriodMs ?? Math.min(awsPeriod ?? 60_000, 60_000) }),
    ...(event.input !== undefined ? { input: event.input } : {}),
  })
  startup.schedules[fn.key] = scheduler
  startup.stops.push(() => scheduler.stop())
}

async function wireFunctions(
  startup: Startup,
  config: ServerlessConfig,
  wiring: { aws: LocalAws; standIn: StandIn; resolveHandler: HandlerResolver },
): Promise<void> {
  for (const fn of config.functions) {
    for (const event of fn.events) {
      if (event.type === 'sqs' && event.enabled && !startup.options.externalEventSources?.includes(fn.key)) {
        await wireEventSource(startup, wiring, fn, event)
      }
      if (event.type === 'schedule' && !startup.schedules[fn.key]) {
        await wireSchedule(startup, wiring, fn, event)
      }
    }
  }
}

interface EndpointsInput {
  sandbox: Sandbox
  aws: LocalAws
  httpApi: HttpApi
  config: ServerlessConfig
  staffToken: string
  webhookSecret: string
  environment: Record<string, string>
}

/** What `.local/endpoints.json` tells a developer: every URL, credential and queue of the running system. */
function endpointsDocument(input: EndpointsInput): Record<string, unknown> {
  const { sandbox, aws, httpApi, staffToken } = input
  return {
    startedAt: new Date().toISOString(),
    sandbox: {
      url: sandbox.url,
      admin: `${sandbox.origin}/_sandbox`,
      account: sandbox.account,
      fixtures: sandbox.fixtures,
    },
    httpApi: { url: httpApi.url, routes: httpApi.routes },
    staffAuth: {
      scheme: 'Bearer JWT (ES256), checked by the local HTTP API like the staffJwt authorizer in AWS',
      header: `Authorization: Bearer ${staffToken}`,
      token: staffToken,
      authorizers: httpApi.authorizers,
      jwks: `${httpApi.url}/.well-known/jwks.json`,
    },
    webhook: {
      url: `${httpApi.url}/pos/redemptions`,
      secret: input.webhookSecret,
      sign: 'npx tsx scripts/sign-webhook.ts --secret <secret> --body <json>',
    },
    aws: {
      region: aws.region,
      endpoints: aws.endpoints,
      queues: aws.queues,
      topics: aws.topics,
      tables: aws.tables,
      secrets: aws.secretIds,
    },
    functions: input.config.functions.map((fn) => ({ key: fn.key, events: fn.events.map((e) => e.type) })),
    env: input.environment,
  }
}

function writeEndpoints(startup: Startup, endpoints: Record<string, unknown>): void {
  const { options } = startup
  const endpointsFile =
    options.endpointsFile === undefined
      ? resolve(startup.rootDir, '.local/endpoints.json')
      : options.endpointsFile
  if (endpointsFile) {
    mkdirSync(dirname(endpointsFile), { recursive: true })
    writeFileSync(endpointsFile, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 })
  }
}

/** Local SQS, DynamoDB and Secrets Manager, the secrets holding the sandbox account and a new webhook secret. */
function startAws(options: LocalSystemOptions, sandbox: Sandbox, webhookSecret: string): Promise<LocalAws> {
  return startLocalAws({
    secrets: {
      sparkfly: { identity: sandbox.account.identity, key: sandbox.account.key },
      webhook: { secrets: [webhookSecret] },
    },
    ...(options.visibilityTimeoutSeconds
      ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
      : {}),
  })
}

/** serverless.yml's environment pointed at the local services, with the local overrides. */
function localEnvironment(
  options: LocalSystemOptions,
  config: ServerlessConfig,
  aws: LocalAws,
  sandbox: Sandbox,
): Record<string, string> {
  return functionEnvironment(config.functions, standInFor(aws), {
    ...aws.env(),
    SPARKFLY_BASE_URL: sandbox.url,
    STAGE: 'local',
    ISSUANCE_RULES: 'local',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...options.env,
  })
}

async function start(startup: Startup): Promise<LocalSystem> {
  const { options, rootDir, stops, log } = startup
  const sandbox = await startRulesSandbox(options)
  stops.push(() => sandbox.stop())
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`
  const aws = await startAws(options, sandbox, webhookSecret)
  stops.push(() => aws.stop())

  const config = loadServerlessConfig({ file: resolve(rootDir, 'serverless.yml'), rootDir, stage: 'local' })
  const environment = localEnvironment(options, config, aws, sandbox)
  // Every function runs in this one process; their settings have distinct names, so one environment serves all.
  Object.assign(process.env, environment)

  const resolveHandler = handlerResolver({ rootDir, importModule: options.importModule })
  const httpApi = await startHttpApi({
    config,
    resolveHandler,
    region: aws.region,
    port: options.httpPort ?? 0,
    onError: (error, route) => log(`! ${route}: ${(error as Error)?.message ?? error}`),
  })
  stops.push(() => httpApi.stop())
  await wireFunctions(startup, config, { aws, standIn: standInFor(aws), resolveHandler })

  const staffToken = await httpApi.mintStaffToken({
    sub: 'local-staff',
    email: 'staff@example.com',
    expiresIn: '12h',
  })
  const endpoints = endpointsDocument({
    sandbox,
    aws,
    httpApi,
    config,
    staffToken,
    webhookSecret,
    environment,
  })
  writeEndpoints(startup, endpoints)
  const { eventSources, schedules } = startup
  return {
    sandbox,
    aws,
    httpApi,
    config,
    eventSources,
    schedules,
    staffToken,
    webhookSecret,
    endpoints,
    async invoke(functionKey, input) {
      const scheduler = schedules[functionKey]
      if (!scheduler)
        throw new Error(`No scheduled function ${functionKey}; known: ${Object.keys(schedules).join(', ')}`)
      return scheduler.runNow(input)
    },
    async idle() {
      await Promise.all(Object.values(eventSources).map((source) => source.idle()))
    },
    stop: () => stopAll(startup),
  }
}

async function stopAll(startup: Startup): Promise<void> {
  for (const stop of startup.stops.splice(0).reverse()) await stop().catch(() => undefined)
}

/**
 * Starts the whole system on this machine: the Sparkfly sandbox (with the campaigns the local issuance rules
 * name), local SQS / DynamoDB / Secrets Manager, and every function of serverless.yml wired the way Lambda calls
 * it: HTTP routes behind a local HTTP API (JWT authorizers enforced), SQS functions behind pollers with Lambda's
 * event-source semantics, scheduled functions on a sped-up timer.
 */
export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const startup: Startup = {
    options,
    rootDir: resolve(options.rootDir ?? process.cwd()),
    log: options.log ?? (() => undefined),
    stops: [],
    eventSources: {},
    schedules: {},
  }
  try {
    return await start(startup)
  } catch (error) {
    await stopAll(startup)
    throw error
  }
}

/** serverless.yml's environment of every function, CloudFormation references replaced by local stand-ins. */
function functionEnvironment(
  functions: FunctionConfig[],
  standIn: StandIn,
  overrides: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      const resolved = resolveReference(value, standIn)
      if (resolved !== undefined) env[name] = resolved
    }
  }
  return { ...env, ...overrides }
}

function resolveReference(value: unknown, standIn: StandIn): string | undefined {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value)
  if (value && typeof value === 'object') {
    const ref = (value as { Ref?: unknown }).Ref
    if (typeof ref === 'string') return standIn(ref)
    const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt']
    if (Array.isArray(getAtt)) return standIn(String(getAtt[0]), String(getAtt[1]))
    if (typeof getAtt === 'string') {
      const [id, attribute] = getAtt.split('.')
      return standIn(String(id), attribute)
    }
  }
  return undefined
}
