import type { ResourceSpec, SpecProperty, SpecType } from './spec'

/**
 * Offline validation of a CloudFormation template (JSON form) against the resource specification: resource types,
 * property names, property types, required properties, `Fn::GetAtt` attributes and every reference (`Ref`,
 * `Fn::GetAtt`, `Fn::Sub` variables, `DependsOn`, conditions, mappings). It catches what `osls package` lets
 * through and CloudFormation would reject only at deploy time.
 */

/** One problem: where (logical id and path) and what. */
export interface TemplateProblem {
  /** Logical id of the resource or output, or a top-level section name. */
  id: string
  /** Dotted path inside it, e.g. `Properties.RedrivePolicy.maxReceiveCount`. */
  path: string
  message: string
}

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
])

const TEMPLATE_SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
])

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
])

const DELETION_POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'])

/** Resource types whose properties the spec cannot describe (any property, any attribute). */
const isCustomType = (type: string) =>
  type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource'

/** `{ "Ref": x }` / `{ "Fn::...": x }` / `{ "Condition": x }`: its function name, else undefined. */
function intrinsicName(value: unknown): string | undefined {
  if (!isObject(value)) return undefined
  const keys = Object.keys(value)
  if (keys.length !== 1) return undefined
  const key = keys[0] as string
  return key === 'Ref' || key === 'Condition' || key.startsWith('Fn::') ? key : undefined
}

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key

const describe = (value: unknown) =>
  Array.isArray(value) ? 'a list' : value === null ? 'null' : isObject(value) ? 'an object' : typeof value

class Validator {
  readonly problems: TemplateProblem[] = []
  private readonly resources: Json
  private readonly parameters: Json
  private readonly conditions: Json
  private readonly mappings: Json

  constructor(
    private readonly template: Json,
    private readonly spec: ResourceSpec,
  ) {
    this.resources = isObject(template.Resources) ? template.Resources : {}
    this.parameters = isObject(template.Parameters) ? template.Parameters : {}
    this.conditions = isObject(template.Conditions) ? template.Conditions : {}
    this.mappings = isObject(template.Mappings) ? template.Mappings : {}
  }

  private report(id: string, path: string, message: string): void {
    this.problems.push({ id, path, message })
  }

  run(): TemplateProblem[] {
    for (const section of Object.keys(this.template)) {
      if (!TEMPLATE_SECTIONS.has(section)) this.report(section, '', 'unknown top-level template section')
    }
    if (!isObject(this.template.Resources) || Object.keys(this.resources).length === 0) {
      this.report('Resources', '', 'the template has no Resources')
    }
    for (const [id, resource] of Object.entries(this.resources)) this.resource(id, resource)
    for (const [name, condition] of Object.entries(this.conditions)) this.references(name, '', condition)
    const outputs = isObject(this.template.Outputs) ? this.template.Outputs : {}
    for (const [id, output] of Object.entries(outputs)) {
      if (!isObject(output) || !('Value' in output)) this.report(id, '', 'an output needs a Value')
      else this.references(id, '', output)
      if (isObject(output) && typeof output.Condition === 'string')
        this.condition(id, 'Condition', output.Condition)
    }
    return this.problems
  }

  private resource(id: string, resource: unknown) {
    if (!isObject(resource))
      return this.report(id, '', `a resource must be an object, not ${describe(resource)}`)
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) this.report(id, key, 'unknown resource attribute')
    }
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy']) {
      const policy = resource[key]
      if (policy !== undefined && !(typeof policy === 'string' && DELETION_POLICIES.has(policy))) {
        this.report(id, key, `${JSON.stringify(policy)} is not one of ${[...DELETION_POLICIES].join(', ')}`)
      }
    }
    this.dependsOn(id, resource.DependsOn)
    if (resource.Condition !== undefined) this.condition(id, 'Condition', resource.Condition)
    this.references(id, 'Properties', resource.Properties)

    const type = resource.Type
    if (typeof type !== 'string') return this.report(id, 'Type', 'missing resource Type')
    if (isCustomType(type)) return
    const spec = this.spec.resource(type)
    if (!spec) return this.report(id, 'Type', `unknown resource type ${type}`)
    const properties = resource.Properties ?? {}
    if (!isObject(properties)) {
      return this.report(id, 'Properties', `Properties must be an object, not ${describe(properties)}`)
    }
    this.object(id, 'Properties', properties, spec.properties, type)
  }

  private dependsOn(id: string, dependsOn: unknown) {
    if (dependsOn === undefined) return
    const targets = Array.isArray(dependsOn) ? dependsOn : [dependsOn]
    targets.forEach((target, index) => {
      const path = Array.isArray(dependsOn) ? join('DependsOn', index) : 'DependsOn'
      if (typeof target !== 'string' || !(target in this.resources)) {
        this.report(id, path, `DependsOn ${JSON.stringify(target)}: no such resource`)
      }
    })
  }

  private condition(id: string, path: string, name: unknown) {
    if (typeof name !== 'string' || !(name in this.conditions)) {
      this.report(id, path, `condition ${JSON.stringify(name)} is not declared in Conditions`)
    }
  }

  /** Checks an object against its spec properties: unknown names, missing required ones, each value's type. */
  private object(
    id: string,
    path: string,
    value: Json,
    properties: Record<string, SpecProperty>,
    typeName: string,
  ) {
    for (const [name, property] of Object.entries(properties)) {
      if (property.required && !(name in value)) {
        this.report(id, join(path, name), `missing required property ${name} of ${typeName}`)
      }
    }
    for (const [name, item] of Object.entries(value)) {
      const property = properties[name]
      if (!property) {
        this.report(id, join(path, name), `unknown property ${name} of ${typeName}`)
        continue
      }
      const types = [property.type, ...(property.previousTypes ?? [])]
      this.value(id, join(path, name), item, types.length === 1 ? property.type : { type: 'union', types })
    }
  }

  /** Type problems of `value` against `type`, without reporting them (for unions). */
  private probe(id: string, path: string, value: unknown, type: SpecType): TemplateProblem[] {
    const before = this.problems.length
    this.value(id, path, value, type)
    return this.problems.splice(before)
  }

  private value(id: string, path: string, value: unknown, type: SpecType) {
    const intrinsic = intrinsicName(value)
    if (intrinsic === 'Fn::If' && isObject(value) && Array.isArray(value['Fn::If'])) {
      for (const branch of value['Fn::If'].slice(1)) {
        if (intrinsicName(branch) !== 'Ref' || (branch as Json).Ref !== 'AWS::NoValue')
          this.value(id, path, branch, type)
      }
      return
    }
    // Other intrinsic functions yield a value CloudFormation only knows at deploy time: their references are
    // checked by references(); their result type cannot be.
    if (intrinsic) return
    switch (type.type) {
      case 'union':
        return this.union(id, path, value, type.types)
      case 'array':
        if (!Array.isArray(value)) return this.report(id, path, `expected a list, got ${describe(value)}`)
        value.forEach((item, index) => {
          this.value(id, join(path, index), item, type.element)
        })
        return
      case 'map':
        if (!isObject(value)) return this.report(id, path, `expected a map, got ${describe(value)}`)
        for (const [key, item] of Object.entries(value)) this.value(id, join(path, key), item, type.element)
        return
      case 'ref': {
        const definition = this.spec.typeDefinition(type.reference)
        if (!definition) return
        if (!isObject(value)) {
          return this.report(id, path, `expected an object (${definition.name}), got ${describe(value)}`)
        }
        return this.object(id, path, value, definition.properties, definition.name)
      }
      case 'tag':
        if (!isObject(value))
          return this.report(id, path, `expected a tag {Key, Value}, got ${describe(value)}`)
        return this.object(
          id,
          path,
          value,
          {
            Key: { type: { type: 'string' }, required: true },
            Value: { type: { type: 'string' }, required: true },
          },
          'Tag',
        )
      default:
        return this.primitive(id, path, value, type.type)
    }
  }

  private union(id: string, path: string, value: unknown, types: SpecType[]) {
    const attempts = types.map((member) => this.probe(id, path, value, member))
    if (attempts.some((problems) => problems.length === 0)) return
    // Report the attempt that got furthest (fewest problems), which names the deepest mismatch.
    const best = attempts.reduce((a, b) => (b.length < a.length ? b : a))
    this.problems.push(...best)
  }

  /**
   * Scalars are checked the way CloudFormation coerces them: a string property takes numbers and booleans, a number
   * property takes numeric strings, a boolean property takes "true"/"false".
   */
  private primitive(id: string, path: string, value: unknown, type: string) {
    const scalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    const ok =
      type === 'string' || type === 'date-time'
        ? scalar
        : type === 'number'
          ? typeof value === 'number' ||
            (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(+value))
          : type === 'integer'
            ? (typeof value === 'number' && Number.isInteger(value)) ||
              (typeof value === 'string' && /^-?\d+$/.test(value.trim()))
            : type === 'boolean'
              ? typeof value === 'boolean' || value === 'true' || value === 'false'
              : type === 'json'
                ? isObject(value) || Array.isArray(value)
                : type === 'null'
                  ? value === null
                  : true
    if (!ok)
      this.report(id, path, `expected ${type === 'json' ? 'a JSON object' : type}, got ${describe(value)}`)
  }

  /** Every intrinsic function inside `value`: its targets must exist. */
  private references(id: string, path: string, value: unknown) {
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        this.references(id, join(path, index), item)
      })
      return
    }
    if (!isObject(value)) return
    const name = intrinsicName(value)
    if (name) this.intrinsic(id, join(path, name), name, value[name])
    for (const [key, item] of Object.entries(value)) this.references(id, join(path, key), item)
  }

  private intrinsic(id: string, path: string, name: string, argument: unknown) {
    switch (name) {
      case 'Ref':
        return this.ref(id, path, argument)
      case 'Fn::GetAtt':
        return this.getAtt(id, path, argument)
      case 'Fn::Sub':
        return this.sub(id, path, argument)
      case 'Fn::If':
        if (!Array.isArray(argument) || argument.length !== 3) {
          return this.report(id, path, 'Fn::If takes [condition, value if true, value if false]')
        }
        return this.condition(id, path, argument[0])
      case 'Condition':
        return this.condition(id, path, argument)
      case 'Fn::FindInMap':
        if (Array.isArray(argument) && typeof argument[0] === 'string' && !(argument[0] in this.mappings)) {
          this.report(id, path, `mapping ${argument[0]} is not declared in Mappings`)
        }
        return
      default:
        return
    }
  }

  private ref(id: string, path: string, target: unknown) {
    if (typeof target !== 'string') {
      if (intrinsicName(target) === undefined)
        this.report(id, path, `Ref takes a logical id, not ${describe(target)}`)
      return
    }
    if (target in this.resources || target in this.parameters || PSEUDO_PARAMETERS.has(target)) return
    this.report(id, path, `Ref ${target}: no such resource, parameter or pseudo parameter`)
  }

  private getAtt(id: string, path: string, argument: unknown) {
    const parts =
      typeof argument === 'string'
        ? [argument.slice(0, argument.indexOf('.')), argument.slice(argument.indexOf('.') + 1)]
        : argument
    if (!Array.isArray(parts) || parts.length !== 2 || typeof parts[0] !== 'string') {
      return this.report(id, path, 'Fn::GetAtt takes [logicalId, attribute]')
    }
    const [target, attribute] = parts as [string, unknown]
    const resource = this.resources[target]
    if (!isObject(resource)) return this.report(id, path, `Fn::GetAtt ${target}: no such resource`)
    if (typeof attribute !== 'string' || typeof resource.Type !== 'string' || isCustomType(resource.Type))
      return
    const spec = this.spec.resource(resource.Type)
    if (spec && !(attribute in spec.attributes)) {
      const known = Object.keys(spec.attributes).join(', ') || 'none'
      this.report(
        id,
        path,
        `Fn::GetAtt ${target}.${attribute}: ${resource.Type} has no attribute ${attribute} (has: ${known})`,
      )
    }
  }

  /** `Fn::Sub` variables: `${Name}` is a Ref, `${Name.Attr}` a GetAtt, `${!Literal}` is text. */
  private sub(id: string, path: string, argument: unknown) {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}]
    if (typeof text !== 'string') return
    const local = isObject(variables) ? variables : {}
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      const expression = (match[1] ?? '').trim()
      if (expression.startsWith('!') || expression in local) continue
      const dot = expression.indexOf('.')
      if (dot > 0 && !PSEUDO_PARAMETERS.has(expression)) {
        this.getAtt(id, path, [expression.slice(0, dot), expression.slice(dot + 1)])
      } else this.ref(id, path, expression)
    }
  }
}

/** Validates a template (its JSON form) against `spec`. An empty list means no problem was found. */
export function validateTemplate(template: unknown, spec: ResourceSpec): TemplateProblem[] {
  if (!isObject(template))
    return [{ id: '(template)', path: '', message: 'a template must be a JSON object' }]
  return new Validator(template, spec).run()
}

/** `LoyaltyEventsQueue Properties.VisibilityTimeout: expected integer, got an object` */
export const formatProblem = (problem: TemplateProblem): string =>
  `${problem.id}${problem.path ? ` ${problem.path}` : ''}: ${problem.message}`
