#!/usr/bin/env node
// Checks the packaged CloudFormation template: least-privilege IAM (no wildcard resources on Secrets Manager, SQS
// or DynamoDB actions), an error and a throttles alarm for every function, a depth alarm for every dead-letter
// queue, an age alarm for every other queue, dead-letter queues keeping messages longer than their source queues,
// actions on every alarm, and log retention on every log group. Usage: node scripts/check-template.mjs [.serverless]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2] ?? '.serverless'
const template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'))
const resources = template.Resources ?? {}
const problems = []
const guarded = /^(secretsmanager|sqs|sns|dynamodb):/i

const asList = (value) => (Array.isArray(value) ? value : value === undefined ? [] : [value])
const hasWildcard = (resource) => JSON.stringify(resource).includes('*')

let statements = 0
for (const [id, res] of Object.entries(resources)) {
  const policies =
    res.Type === 'AWS::IAM::Role'
      ? (res.Properties?.Policies ?? []).map((p) => p.PolicyDocument)
      : res.Type === 'AWS::IAM::Policy' || res.Type === 'AWS::IAM::ManagedPolicy'
        ? [res.Properties?.PolicyDocument]
        : []
  for (const doc of policies) {
    for (const st of asList(doc?.Statement)) {
      statements++
      const actions = asList(st.Action)
      if (actions.some((a) => a === '*' || /^(secretsmanager|sqs|sns|dynamodb):\*$/i.test(a))) {
        problems.push(`${id}: wildcard action ${JSON.stringify(actions)}`)
      }
      if (actions.some((a) => guarded.test(a)) && asList(st.Resource).some(hasWildcard)) {
        problems.push(`${id}: ${actions.join(',')} on a wildcard resource ${JSON.stringify(st.Resource)}`)
      }
    }
  }
}

const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
const alarmDimensions = alarms.map((a) => JSON.stringify(a.Properties?.Dimensions ?? []))
const functions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function')
const alarmsOn = (metricName, dimensionValue) =>
  alarms.some(
    (a) =>
      a.Properties?.MetricName === metricName &&
      JSON.stringify(a.Properties?.Dimensions ?? []).includes(JSON.stringify(dimensionValue)),
  )
for (const [id, fn] of functions) {
  const name = fn.Properties?.FunctionName
  if (!alarmDimensions.some((d) => d.includes('"FunctionName"') && d.includes(JSON.stringify(name)))) {
    problems.push(`${id}: no CloudWatch alarm on function ${name}`)
  }
  if (!alarmsOn('Throttles', name)) problems.push(`${id}: no Throttles alarm on function ${name}`)
}
for (const [id, alarm] of Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')) {
  if (!alarm.Properties?.AlarmActions) problems.push(`${id}: alarm without AlarmActions`)
}
const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue')
// Dead-letter queues of queues (RedrivePolicy) and of SNS subscriptions (what SNS could not deliver).
const subscriptions = Object.values(resources).filter((r) => r.Type === 'AWS::SNS::Subscription')
const deadLetterIds = new Set(
  [...queues.map(([, q]) => q), ...subscriptions]
    .map((r) => r.Properties?.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0])
    .filter(Boolean),
)
for (const dlq of deadLetterIds) {
  if (!alarmDimensions.some((d) => d.includes(`"${dlq}"`)))
    problems.push(`${dlq}: dead-letter queue without a depth alarm`)
}
const retention = (queue) => Number(queue?.Properties?.MessageRetentionPeriod ?? 345600)
for (const [id, q] of queues) {
  const dlq = q.Properties?.RedrivePolicy?.deadLetterTargetArn?.['Fn::GetAtt']?.[0]
  if (dlq && retention(resources[dlq]) <= retention(q)) {
    problems.push(`${id}: its dead-letter queue ${dlq} does not keep messages longer than it does`)
  }
  if (
    !deadLetterIds.has(id) &&
    !alarmsOn('ApproximateAgeOfOldestMessage', { 'Fn::GetAtt': [id, 'QueueName'] })
  ) {
    problems.push(`${id}: queue without an ApproximateAgeOfOldestMessage alarm`)
  }
}
for (const [id, q] of queues) {
  const isDlq = deadLetterIds.has(id)
  const consumed = Object.values(resources).some(
    (r) =>
      r.Type === 'AWS::Lambda::EventSourceMapping' &&
      JSON.stringify(r.Properties?.EventSourceArn).includes(`"${id}"`),
  )
  if (consumed && !q.Properties?.RedrivePolicy && !isDlq)
    problems.push(`${id}: consumed queue without a redrive policy`)
}
const logGroups = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Logs::LogGroup')
for (const [id, lg] of logGroups) {
  if (!lg.Properties?.RetentionInDays) problems.push(`${id}: log group without retention`)
}

console.log(
  `template: ${functions.length} functions, ${alarms.length} alarms, ${deadLetterIds.size} dead-letter queues, ` +
    `${statements} IAM statements, ${logGroups.length} log groups`,
)
if (problems.length) {
  for (const p of problems) console.log(`  - ${p}`)
  console.log(`template check FAILED: ${problems.length} problem(s)`)
  process.exit(1)
}
console.log(
  'template check passed: no wildcard resources on secretsmanager/sqs/sns/dynamodb, every function and queue alarmed',
)
