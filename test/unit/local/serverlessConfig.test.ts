import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  handlerResolver,
  loadServerlessConfig,
  rateToMs,
  stringEnvironment,
} from '../../../local/runtime/serverlessConfig'

/** `${inner}` written literally, as in serverless.yml. */
const variable = (inner: string) => `\${${inner}}`
const fixtureDir = resolve(__dirname, '../../fixtures/local-runtime')
const load = (stage?: string) => loadServerlessConfig({ rootDir: fixtureDir, stage, env: {} })
const fn = (config: ReturnType<typeof load>, key: string) => {
  const found = config.functions.find((candidate) => candidate.key === key)
  if (!found) throw new Error(`no function ${key}`)
  return found
}

describe('loadServerlessConfig', () => {
  it('reads functions from file() includes with their handler, timeout and deployed name', () => {
    const config = load('test')

    expect(config.service).toBe('local-runtime-fixture')
    expect(config.functions.map((f) => f.key)).toEqual([
      'echo',
      'plain',
      'secure',
      'scoped',
      'broken',
      'worker',
      'sweep',
    ])
    expect(fn(config, 'echo')).toMatchObject({
      name: 'local-runtime-fixture-test-echo',
      handler: 'handlers.echo',
      handlerModule: 'handlers',
      handlerExport: 'echo',
      timeoutSeconds: 5,
      memorySize: 512,
    })
    expect(fn(config, 'broken').timeoutSeconds).toBe(1)
    expect(fn(config, 'sweep').name).toBe('fixture-sweeper')
  })

  it('takes the stage from --stage, else from provider.stage and its fallback', () => {
    expect(load('test').stage).toBe('test')
    expect(load().stage).toBe('dev')
    expect(load().region).toBe('eu-west-1')
    expect(loadServerlessConfig({ rootDir: fixtureDir, region: 'us-west-2' }).region).toBe('us-west-2')
  })

  it('resolves params for the stage over params.default', () => {
    const worker = (stage?: string) => fn(load(stage), 'worker').events[0]

    expect(worker('test')).toMatchObject({ type: 'sqs', batchSize: 3 })
    expect(worker()).toMatchObject({ type: 'sqs', batchSize: 5 })
    expect(
      loadServerlessConfig({ rootDir: fixtureDir, params: { queueBatchSize: 7 } }).functions[5]?.events[0],
    ).toMatchObject({
      batchSize: 7,
    })
  })

  it('merges provider and function environment, resolving sls/self variables and keeping CloudFormation references', () => {
    const echo = fn(load('test'), 'echo')

    expect(echo.environment).toMatchObject({
      STAGE: 'test',
      SERVICE_NAME: 'local-runtime-fixture',
      ECHO_NAME: 'echo-test',
      QUEUE_URL: { Ref: 'WorkQueue' },
      WITH_FALLBACK: 'fallback-value',
    })
    expect(stringEnvironment(echo)).toEqual({
      STAGE: 'test',
      SERVICE_NAME: 'local-runtime-fixture',
      ECHO_NAME: 'echo-test',
      WITH_FALLBACK: 'fallback-value',
    })
  })

  it('lists variables it cannot resolve locally and leaves them as text', () => {
    const config = load('test')

    expect(config.unresolved).toEqual([variable('ssm:/fixture/never-resolved')])
    expect(fn(config, 'echo').environment.FROM_SSM).toBe(variable('ssm:/fixture/never-resolved'))
  })

  it('keeps Fn::Sub pseudo parameters while resolving Serverless variables in the same string', () => {
    const config = load('test')
    const role = config.resources.WorkRole as {
      Properties: { Policies: { PolicyDocument: { Statement: unknown[] } }[] }
    }

    expect(role.Properties.Policies[0]?.PolicyDocument.Statement[0]).toMatchObject({
      Resource: {
        'Fn::Sub': `arn:${variable('AWS::Partition')}:logs:${variable('AWS::Region')}:${variable('AWS::AccountId')}:log-group:/aws/lambda/local-runtime-fixture-test-worker:*`,
      },
    })
  })

  it('parses httpApi routes with methods, paths and authorizers', () => {
    const config = load('test')

    expect(fn(config, 'echo').events).toEqual([
      {
        type: 'httpApi',
        method: 'POST',
        path: '/echo/{id}',
        routeKey: 'POST /echo/{id}',
        authorizer: undefined,
      },
    ])
    expect(fn(config, 'plain').events.map((event) => event.type === 'httpApi' && event.routeKey)).toEqual([
      'GET /plain',
      'GET /files/{path+}',
    ])
    expect(fn(config, 'scoped').events[0]).toMatchObject({
      authorizer: { name: 'staffJwt', scopes: ['offers/void'] },
    })
    expect(config.authorizers.staffJwt).toEqual({
      name: 'staffJwt',
      type: 'jwt',
      issuerUrl: 'https://issuer.local-runtime.test/',
      audience: ['fixture-staff'],
      identitySource: '$request.header.Authorization',
    })
  })

  it('parses sqs events down to the queue name of a Fn::GetAtt reference', () => {
    expect(fn(load('test'), 'worker').events[0]).toEqual({
      type: 'sqs',
      arn: { 'Fn::GetAtt': ['WorkQueue', 'Arn'] },
      logicalId: 'WorkQueue',
      queueName: 'local-runtime-fixture-test-work',
      batchSize: 3,
      maximumBatchingWindowSeconds: 1,
      maximumConcurrency: undefined,
      reportBatchItemFailures: true,
      enabled: true,
    })
  })

  it('parses schedule events with their input', () => {
    expect(fn(load('test'), 'sweep').events[0]).toEqual({
      type: 'schedule',
      rate: ['rate(1 hour)'],
      enabled: true,
      input: { mode: 'sweep' },
      name: undefined,
    })
  })
})

describe('loadServerlessConfig errors', () => {
  it('names the included file that is not valid YAML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sls-config-'))
    try {
      writeFileSync(
        join(dir, 'serverless.yml'),
        `service: broken\nresources:\n  - ${variable('file(./bad.yml)')}\n`,
      )
      writeFileSync(
        join(dir, 'bad.yml'),
        `Resources:\n  A:\n    Dimensions: [{ Name: F, Value: ${variable('self:service')} }]\n`,
      )

      expect(() => loadServerlessConfig({ rootDir: dir })).toThrow(/bad\.yml: .*line 3/s)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('rateToMs', () => {
  it('converts rate expressions and gives up on cron', () => {
    expect(rateToMs('rate(1 hour)')).toBe(3_600_000)
    expect(rateToMs('rate(5 minutes)')).toBe(300_000)
    expect(rateToMs('rate(2 days)')).toBe(172_800_000)
    expect(rateToMs('cron(0 12 * * ? *)')).toBeUndefined()
  })
})

describe('handlerResolver', () => {
  it('imports the TypeScript module of a handler path once and returns its export', async () => {
    const imported: string[] = []
    const resolveHandler = handlerResolver({
      rootDir: fixtureDir,
      importModule: (path) => {
        imported.push(path)
        return import(path)
      },
    })
    const echo = fn(load('test'), 'echo')

    const first = await resolveHandler(echo)
    const second = await resolveHandler(echo)

    expect(first).toBe(second)
    expect(typeof first).toBe('function')
    expect(imported).toEqual([resolve(fixtureDir, 'handlers.ts')])
  })

  it('fails clearly when the module or the export does not exist', async () => {
    const resolveHandler = handlerResolver({ rootDir: fixtureDir, importModule: (path) => import(path) })
    const echo = fn(load('test'), 'echo')

    await expect(resolveHandler({ ...echo, handlerModule: 'missing' })).rejects.toThrow(
      /Handler module not found/,
    )
    await expect(resolveHandler({ ...echo, handlerExport: 'nope' })).rejects.toThrow(
      /does not export a function named nope/,
    )
  })
})
