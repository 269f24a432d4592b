// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub strings are written with ${} on purpose
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { awsResourceSpec } from '../../../scripts/template/spec'
import { formatProblem, validateTemplate } from '../../../scripts/template/validate'

const ROOT = resolve(__dirname, '../../..')

interface TestResource {
  Type: string
  Properties: Record<string, unknown>
  DependsOn?: unknown
  Condition?: string
}

interface TestTemplate {
  Parameters: Record<string, unknown>
  Conditions?: Record<string, unknown>
  Resources: Record<string, TestResource>
  Outputs: Record<string, unknown>
}

/** A small valid template: a queue with a dead-letter queue, an alarm on it, a topic and an output. */
function baseTemplate(): TestTemplate {
  return {
    Parameters: { AlarmEmail: { Type: 'String' } },
    Resources: {
      DeadLetterQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true },
      },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          VisibilityTimeout: 180,
          RedrivePolicy: {
            deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
            maxReceiveCount: 5,
          },
        },
      },
      Topic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: { 'Fn::Sub': '${AWS::StackName}-alarms' } },
      },
      DepthAlarm: {
        Type: 'AWS::CloudWatch::Alarm',
        DependsOn: ['Topic'],
        Properties: {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [{ Ref: 'Topic' }],
          AlarmDescription: { 'Fn::Sub': 'Mail ${AlarmEmail} about ${Queue.QueueName}' },
        },
      },
    },
    Outputs: { QueueUrl: { Value: { Ref: 'Queue' } } },
  }
}

const validate = (template: unknown) => validateTemplate(template, awsResourceSpec()).map(formatProblem)

describe('template validator', () => {
  it('passes a valid template', () => {
    expect(validate(baseTemplate())).toEqual([])
  })

  it('rejects a resource type the specification does not know', () => {
    const template = baseTemplate()
    template.Resources.Redrive = {
      Type: 'AWS::SQS::QueueRedriveAllowPolicy',
      Properties: { Queue: { Ref: 'DeadLetterQueue' } },
    }
    expect(validate(template)).toEqual([
      'Redrive Type: unknown resource type AWS::SQS::QueueRedriveAllowPolicy',
    ])
  })

  it('rejects an unknown property name, at top level and inside a property type', () => {
    const template = baseTemplate()
    Object.assign(template.Resources.Queue!.Properties, { VisibilityTimeoutSeconds: 30 })
    const alarm = template.Resources.DepthAlarm!.Properties as { Dimensions: Record<string, unknown>[] }
    alarm.Dimensions[0]!.Val = 'x'
    expect(validate(template)).toEqual([
      'Queue Properties.VisibilityTimeoutSeconds: unknown property VisibilityTimeoutSeconds of AWS::SQS::Queue',
      'DepthAlarm Properties.Dimensions[0].Val: unknown property Val of Dimension',
    ])
  })

  it('rejects a value of the wrong type', () => {
    const template = baseTemplate()
    Object.assign(template.Resources.Queue!.Properties, { VisibilityTimeout: 'three minutes' })
    Object.assign(template.Resources.DepthAlarm!.Properties, {
      AlarmActions: { Ref: 'Topic' },
      Period: [],
    })
    Object.assign(template.Resources.DepthAlarm!.Properties, { Dimensions: { Name: 'QueueName' } })
    expect(validate(template)).toEqual([
      'Queue Properties.VisibilityTimeout: expected integer, got string',
      'DepthAlarm Properties.Dimensions: expected a list, got an object',
      'DepthAlarm Properties.Period: expected integer, got a list',
    ])
  })

  it('accepts the scalars CloudFormation coerces (numeric strings, numbers for strings, "true")', () => {
    const template = baseTemplate()
    Object.assign(template.Resources.Queue!.Properties, {
      VisibilityTimeout: '180',
      FifoQueue: 'false',
    })
    Object.assign(template.Resources.Topic!.Properties, { DisplayName: 42 })
    expect(validate(template)).toEqual([])
  })

  it('rejects a missing required property, at top level and inside a property type', () => {
    const template = baseTemplate()
    const alarm = template.Resources.DepthAlarm!.Properties
    alarm.Dimensions = [{ Name: 'QueueName' }]
    template.Resources.Stage = { Type: 'AWS::ApiGatewayV2::Stage', Properties: { StageName: '$default' } }
    expect(validate(template)).toEqual([
      'DepthAlarm Properties.Dimensions[0].Value: missing required property Value of Dimension',
      'Stage Properties.ApiId: missing required property ApiId of AWS::ApiGatewayV2::Stage',
    ])
  })

  it('rejects a Fn::GetAtt attribute the resource type does not have, in GetAtt and in Fn::Sub', () => {
    const template = baseTemplate()
    const queue = template.Resources.Queue!.Properties as { RedrivePolicy: Record<string, unknown> }
    queue.RedrivePolicy.deadLetterTargetArn = { 'Fn::GetAtt': ['DeadLetterQueue', 'Url'] }
    Object.assign(template.Resources.DepthAlarm!.Properties, {
      AlarmDescription: { 'Fn::Sub': '${Queue.Name}' },
    })
    const problems = validate(template)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(
      /^Queue Properties\.RedrivePolicy\.deadLetterTargetArn\.Fn::GetAtt: Fn::GetAtt DeadLetterQueue\.Url: AWS::SQS::Queue has no attribute Url \(has: .*QueueUrl/,
    )
    expect(problems[1]).toMatch(/^DepthAlarm Properties\.AlarmDescription\.Fn::Sub: Fn::GetAtt Queue\.Name: /)
  })

  it('rejects dangling references: Ref, GetAtt target, Fn::Sub variable, DependsOn, output, condition', () => {
    const template = baseTemplate()
    Object.assign(template.Resources.DepthAlarm!.Properties, {
      AlarmActions: [{ Ref: 'AlarmTopic' }],
      OKActions: [{ 'Fn::GetAtt': ['Nowhere', 'Arn'] }],
      AlarmDescription: { 'Fn::Sub': ['${Missing} ${Given}', { Given: 'x' }] },
    })
    template.Resources.DepthAlarm!.DependsOn = 'Gone'
    template.Resources.Topic!.Condition = 'IsProd'
    template.Outputs.QueueUrl = { Value: { Ref: 'Quue' } }
    expect(validate(template)).toEqual([
      'Topic Condition: condition "IsProd" is not declared in Conditions',
      'DepthAlarm DependsOn: DependsOn "Gone": no such resource',
      'DepthAlarm Properties.AlarmActions[0].Ref: Ref AlarmTopic: no such resource, parameter or pseudo parameter',
      'DepthAlarm Properties.AlarmDescription.Fn::Sub: Ref Missing: no such resource, parameter or pseudo parameter',
      'DepthAlarm Properties.OKActions[0].Fn::GetAtt: Fn::GetAtt Nowhere: no such resource',
      'QueueUrl Value.Ref: Ref Quue: no such resource, parameter or pseudo parameter',
    ])
  })

  it('checks both branches of Fn::If against the property type, AWS::NoValue allowed', () => {
    const template = baseTemplate()
    template.Conditions = { IsProd: { 'Fn::Equals': ['a', 'b'] } }
    Object.assign(template.Resources.Queue!.Properties, {
      VisibilityTimeout: { 'Fn::If': ['IsProd', { Ref: 'AWS::NoValue' }, 'soon'] },
    })
    expect(validate(template)).toEqual(['Queue Properties.VisibilityTimeout: expected integer, got string'])
  })
})

describe('validate-template CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'validate-template-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('prints each problem with its resource and path, and exits 1', async () => {
    const template = baseTemplate()
    template.Resources.Queue!.Type = 'AWS::SQS::Queues'
    const file = join(dir, 'bad.json')
    writeFileSync(file, JSON.stringify(template))
    const run = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/validate-template.ts', file],
      {
        cwd: ROOT,
      },
    )
    await expect(run).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('  - Queue Type: unknown resource type AWS::SQS::Queues'),
    })
  })

  it('exits 0 on a valid template', async () => {
    const file = join(dir, 'good.json')
    writeFileSync(file, JSON.stringify(baseTemplate()))
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/validate-template.ts', file],
      { cwd: ROOT },
    )
    expect(stdout).toContain('4 resources valid against the CloudFormation resource specification')
  })
})
