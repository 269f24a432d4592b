// Validates packaged CloudFormation templates offline against the CloudFormation resource specification
// (@aws-cdk/aws-service-spec): resource types, property names and types, required properties, Fn::GetAtt
// attributes and Ref / Fn::Sub / DependsOn / condition targets. Exits 1 on any problem.
// Usage: npx tsx scripts/validate-template.ts <.serverless dir | template.json> [...more]
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { awsResourceSpec } from './template/spec'
import { formatProblem, validateTemplate } from './template/validate'

const TEMPLATE_IN_DIR = 'cloudformation-template-update-stack.json'

const targets = process.argv.slice(2)
if (targets.length === 0) {
  console.error('usage: tsx scripts/validate-template.ts <.serverless dir | template.json> [...]')
  process.exit(2)
}

let failed = false
for (const target of targets) {
  const file = statSync(target, { throwIfNoEntry: false })?.isDirectory()
    ? join(target, TEMPLATE_IN_DIR)
    : target
  let template: unknown
  try {
    template = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    console.log(`${file}: cannot read the template: ${(error as Error).message}`)
    failed = true
    continue
  }
  const problems = validateTemplate(template, awsResourceSpec())
  const resources = Object.keys((template as { Resources?: object }).Resources ?? {}).length
  if (problems.length === 0) {
    console.log(`${file}: ${resources} resources valid against the CloudFormation resource specification`)
    continue
  }
  failed = true
  console.log(`${file}: ${problems.length} problem(s) in ${resources} resources`)
  for (const problem of problems) console.log(`  - ${formatProblem(problem)}`)
}
process.exit(failed ? 1 : 0)
