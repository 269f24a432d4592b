import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { BodyTooLargeError, close, listen, readBody } from './http'

/**
 * A minimal Secrets Manager-compatible endpoint (AWS JSON 1.1 protocol) for local runs and tests.
 * The real `@aws-sdk/client-secrets-manager` and Powertools `getSecret` talk to it unchanged through
 * `endpoint` or `AWS_ENDPOINT_URL_SECRETS_MANAGER`. Secret values never leave it except in
 * GetSecretValue answers: nothing is logged and error messages name secrets, never values.
 */

export interface SecretsManagerOptions {
  port?: number
  host?: string
  /** Secrets created at start: name -> value (objects are stored as JSON). */
  secrets?: Record<string, string | object>
}

export interface LocalSecretsManager {
  /** Endpoint URL, e.g. `http://127.0.0.1:41234`. */
  url: string
  stop(): Promise<void>
  /** Creates the secret or stores a new AWSCURRENT version of it (like PutSecretValue, not counted). */
  put(id: string, value: string | object): void
  /** Requests received, by AWS action (e.g. `GetSecretValue`), failed ones included. */
  counters(): Record<string, number>
  resetCounters(): void
}

export const SecretsManagerAction = {
  CreateSecret: 'CreateSecret',
  GetSecretValue: 'GetSecretValue',
  PutSecretValue: 'PutSecretValue',
  DescribeSecret: 'DescribeSecret',
  DeleteSecret: 'DeleteSecret',
} as const

type Action = (typeof SecretsManagerAction)[keyof typeof SecretsManagerAction]

const Stage = { current: 'AWSCURRENT', previous: 'AWSPREVIOUS' } as const

const ACCOUNT_ID = '000000000000'
const MAX_REQUEST_BYTES = 1024 * 1024
const MAX_SECRET_BYTES = 65_536
const JSON_11 = 'application/x-amz-json-1.1'

interface SecretVersion {
  id: string
  secretString?: string
  /** base64, as the JSON protocol carries blobs */
  secretBinary?: string
  stages: Set<string>
  createdAt: number
}

interface Secret {
  name: string
  arn: string
  description?: string
  kmsKeyId?: string
  tags: { Key: string; Value: string }[]
  createdAt: number
  lastChangedAt: number
  lastAccessedAt?: number
  deletedAt?: number
  versions: Map<string, SecretVersion>
}

/** An error answered in the AWS JSON shape: `{"__type": "...", "message": "..."}` with status 400. */
class SecretsManagerError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
    this.name = 'SecretsManagerError'
  }
}

const notFound = () =>
  new SecretsManagerError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")

type Input = Record<string, unknown>

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    throw new SecretsManagerError('InvalidParameterException', `Invalid type for parameter ${field}.`)
  }
  return value
}

function requiredString(input: Input, field: string): string {
  const value = optionalString(input, field)
  if (value === undefined || value === '') {
    throw new SecretsManagerError(
      'InvalidParameterException',
      `You must provide a value for the ${field} parameter.`,
    )
  }
  return value
}

const epochSeconds = (ms: number) => ms / 1000

function sixRandomChars(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
  return Array.from(randomBytes(6), (byte) => alphabet[byte % alphabet.length]).join('')
}

class SecretStore {
  private readonly secrets = new Map<string, Secret>()

  constructor(private readonly region: string) {}

  find(secretId: string): Secret | undefined {
    const byName = this.secrets.get(secretId)
    if (byName) return byName
    for (const secret of this.secrets.values()) {
      if (secret.arn === secretId) return secret
    }
    return undefined
  }

  get(secretId: string): Secret {
    const secret = this.find(secretId)
    if (!secret) throw notFound()
    return secret
  }

  list(): Secret[] {
    return [...this.secrets.values()].filter((secret) => secret.deletedAt === undefined)
  }

  create(input: Input): { secret: Secret; version?: SecretVersion } {
    const name = requiredString(input, 'Name')
    if (!/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(name)) {
      throw new SecretsManagerError(
        'ValidationException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      )
    }
    const existing = this.secrets.get(name)
    if (existing) {
      throw new SecretsManagerError(
        existing.deletedAt === undefined ? 'ResourceExistsException' : 'InvalidRequestException',
        existing.deletedAt === undefined
          ? `The operation failed because the secret ${name} already exists.`
          : `You can't create this secret because a secret with this name is already scheduled for deletion.`,
      )
    }
    const now = Date.now()
    const secret: Secret = {
      name,
      arn: `arn:aws:secretsmanager:${this.region}:${ACCOUNT_ID}:secret:${name}-${sixRandomChars()}`,
      description: optionalString(input, 'Description'),
      kmsKeyId: optionalString(input, 'KmsKeyId'),
      tags: Array.isArray(input.Tags) ? (input.Tags as { Key: string; Value: string }[]) : [],
      createdAt: now,
      lastChangedAt: now,
      versions: new Map(),
    }
    const value = readValue(input)
    this.secrets.set(name, secret)
    const version = value
      ? this.addVersion(secret, value, optionalString(input, 'ClientRequestToken'))
      : undefined
    return { secret, version }
  }

  /** Stores a new version; its stages default to AWSCURRENT, which moves the old AWSCURRENT to AWSPREVIOUS. */
  addVersion(
    secret: Secret,
    value: { secretString?: string; secretBinary?: string },
    token: string | undefined,
    stages: string[] = [Stage.current],
  ): SecretVersion {
    const versionId = token ?? randomUUID()
    const same = secret.versions.get(versionId)
    if (same) {
      if (same.secretString === value.secretString && same.secretBinary === value.secretBinary) return same
      throw new SecretsManagerError(
        'ResourceExistsException',
        `A resource with the ID you requested already exists (version ${versionId} of secret ${secret.name}).`,
      )
    }
    for (const stage of stages) this.removeStage(secret, stage, stage === Stage.current)
    const version: SecretVersion = { id: versionId, ...value, stages: new Set(stages), createdAt: Date.now() }
    secret.versions.set(versionId, version)
    secret.lastChangedAt = Date.now()
    this.pruneUnlabelled(secret)
    return version
  }

  private removeStage(secret: Secret, stage: string, keepAsPrevious: boolean): void {
    for (const version of secret.versions.values()) {
      if (!version.stages.delete(stage)) continue
      if (keepAsPrevious) {
        this.removeStage(secret, Stage.previous, false)
        version.stages.add(Stage.previous)
      }
    }
  }

  /** Secrets Manager keeps a bounded number of versions without a label; keep ours bounded too. */
  private pruneUnlabelled(secret: Secret): void {
    const unlabelled = [...secret.versions.values()].filter((version) => version.stages.size === 0)
    for (const version of unlabelled.slice(0, Math.max(0, unlabelled.length - 100))) {
      secret.versions.delete(version.id)
    }
  }

  versionFor(secret: Secret, versionId: string | undefined, stage: string | undefined): SecretVersion {
    if (versionId) {
      const version = secret.versions.get(versionId)
      if (!version || (stage && !version.stages.has(stage))) {
        throw new SecretsManagerError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        )
      }
      return version
    }
    const label = stage ?? Stage.current
    for (const version of secret.versions.values()) {
      if (version.stages.has(label)) return version
    }
    throw new SecretsManagerError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for staging label: ${label}`,
    )
  }

  delete(secret: Secret, force: boolean): number {
    const now = Date.now()
    if (force) this.secrets.delete(secret.name)
    else secret.deletedAt = now
    return now
  }
}

function readValue(input: Input): { secretString?: string; secretBinary?: string } | undefined {
  const secretString = optionalString(input, 'SecretString')
  const secretBinary = optionalString(input, 'SecretBinary')
  if (secretString !== undefined && secretBinary !== undefined) {
    throw new SecretsManagerError(
      'InvalidParameterException',
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    )
  }
  if (secretString === undefined && secretBinary === undefined) return undefined
  const size =
    secretString !== undefined
      ? Buffer.byteLength(secretString)
      : Buffer.from(secretBinary ?? '', 'base64').length
  if (size > MAX_SECRET_BYTES) {
    throw new SecretsManagerError(
      'InvalidParameterException',
      'The secret value exceeds the maximum size of 65536 bytes.',
    )
  }
  return secretString !== undefined ? { secretString } : { secretBinary }
}

function versionsToStages(secret: Secret): Record<string, string[]> {
  const result: Record<string, string[]> = {}
  for (const version of secret.versions.values()) {
    if (version.stages.size > 0) result[version.id] = [...version.stages]
  }
  return result
}

function describe(secret: Secret): Record<string, unknown> {
  return {
    ARN: secret.arn,
    Name: secret.name,
    Description: secret.description,
    KmsKeyId: secret.kmsKeyId,
    CreatedDate: epochSeconds(secret.createdAt),
    LastChangedDate: epochSeconds(secret.lastChangedAt),
    LastAccessedDate: secret.lastAccessedAt === undefined ? undefined : epochSeconds(secret.lastAccessedAt),
    DeletedDate: secret.deletedAt === undefined ? undefined : epochSeconds(secret.deletedAt),
    Tags: secret.tags,
    RotationEnabled: false,
  }
}

function live(store: SecretStore, secretId: string, action: string): Secret {
  const secret = store.get(secretId)
  if (secret.deletedAt !== undefined) {
    throw new SecretsManagerError(
      'InvalidRequestException',
      `You can't perform this operation on the secret because it was marked for deletion (${action}).`,
    )
  }
  return secret
}

type Resolver = (store: SecretStore, input: Input) => Record<string, unknown>

const resolvers: Record<Action, Resolver> = {
  CreateSecret: (store, input) => {
    const { secret, version } = store.create(input)
    return { ARN: secret.arn, Name: secret.name, VersionId: version?.id }
  },
  GetSecretValue: (store, input) => {
    const secret = live(store, requiredString(input, 'SecretId'), 'GetSecretValue')
    const version = store.versionFor(
      secret,
      optionalString(input, 'VersionId'),
      optionalString(input, 'VersionStage'),
    )
    secret.lastAccessedAt = Date.now()
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      SecretString: version.secretString,
      SecretBinary: version.secretBinary,
      VersionStages: [...version.stages],
      CreatedDate: epochSeconds(version.createdAt),
    }
  },
  PutSecretValue: (store, input) => {
    const secret = live(store, requiredString(input, 'SecretId'), 'PutSecretValue')
    const value = readValue(input)
    if (!value) {
      throw new SecretsManagerError(
        'InvalidRequestException',
        'You must provide either SecretString or SecretBinary.',
      )
    }
    const stages = Array.isArray(input.VersionStages) ? (input.VersionStages as string[]) : undefined
    const version = store.addVersion(secret, value, optionalString(input, 'ClientRequestToken'), stages)
    return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: [...version.stages] }
  },
  DescribeSecret: (store, input) => {
    const secret = store.get(requiredString(input, 'SecretId'))
    return { ...describe(secret), VersionIdsToStages: versionsToStages(secret) }
  },
  DeleteSecret: (store, input) => {
    const secret = store.get(requiredString(input, 'SecretId'))
    const deletedAt = store.delete(secret, input.ForceDeleteWithoutRecovery === true)
    return { ARN: secret.arn, Name: secret.name, DeletionDate: epochSeconds(deletedAt) }
  },
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  })
  res.end(payload)
}

function sendError(res: ServerResponse, error: SecretsManagerError): void {
  res.setHeader('x-amzn-errortype', error.type)
  send(res, error.status, { __type: error.type, message: error.message })
}

function isAction(name: string): name is Action {
  return Object.hasOwn(SecretsManagerAction, name)
}

/** Reads the body as a JSON object; answers the error itself and returns undefined when it cannot. */
async function readInput(req: IncomingMessage, res: ServerResponse): Promise<Input | undefined> {
  let raw: Buffer
  try {
    raw = await readBody(req, MAX_REQUEST_BYTES)
  } catch (error) {
    const tooLarge = error instanceof BodyTooLargeError
    const type = tooLarge ? 'ValidationException' : 'InternalServiceError'
    sendError(res, new SecretsManagerError(type, 'Request body rejected.', tooLarge ? 413 : 500))
    return undefined
  }
  try {
    const parsed: unknown = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object')
    return parsed as Input
  } catch {
    sendError(res, new SecretsManagerError('SerializationException', 'Request body is not a JSON object.'))
    return undefined
  }
}

/** One request: the action from `X-Amz-Target`, counted; the body; the resolver's answer or its error. */
async function handleRequest(
  store: SecretStore,
  counters: Map<string, number>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (req.method !== 'POST') {
    req.resume()
    sendError(res, new SecretsManagerError('UnknownOperationException', 'Only POST / is supported.', 404))
    return
  }
  const target = String(req.headers['x-amz-target'] ?? '')
  const action = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : ''
  if (action) counters.set(action, (counters.get(action) ?? 0) + 1)
  if (!isAction(action)) {
    req.resume()
    sendError(
      res,
      new SecretsManagerError('UnknownOperationException', `Unknown operation ${action || target}.`),
    )
    return
  }
  const input = await readInput(req, res)
  if (!input) return
  try {
    send(res, 200, resolvers[action](store, input))
  } catch (error) {
    const known = error instanceof SecretsManagerError
    sendError(res, known ? error : new SecretsManagerError('InternalServiceError', 'An error occurred.', 500))
  }
}

/**
 * Starts the local Secrets Manager endpoint on `host:port` (default 127.0.0.1, a free port).
 *
 * @example
 * const sm = await startSecretsManager({ secrets: { 'sparkfly/api': { token: 't' } } })
 * const client = new SecretsManagerClient({ endpoint: sm.url })
 */
export async function startSecretsManager(options: SecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const store = new SecretStore(process.env.AWS_REGION ?? 'us-east-1')
  const counters = new Map<string, number>()

  const put = (id: string, value: string | object): void => {
    const input = { SecretString: typeof value === 'string' ? value : JSON.stringify(value) }
    const secret = store.find(id)
    if (secret && secret.deletedAt === undefined) store.addVersion(secret, readValue(input) ?? {}, undefined)
    else {
      if (secret) store.delete(secret, true)
      store.create({ Name: id, ...input })
    }
  }
  for (const [id, value] of Object.entries(options.secrets ?? {})) put(id, value)

  const handle = (req: IncomingMessage, res: ServerResponse) => handleRequest(store, counters, req, res)

  const server = createServer((req, res) => {
    void handle(req, res)
  })
  const host = options.host ?? '127.0.0.1'
  const port = await listen(server, options.port ?? 0, host)

  return {
    url: `http://${host}:${port}`,
    stop: () => close(server),
    put,
    counters: () => Object.fromEntries(counters),
    resetCounters: () => counters.clear(),
  }
}
