/**
 * Checks Sparkfly answers against the project's own OpenAPI description (docs/sparkfly/sparkfly.openapi.yaml)
 * with an independent validator (openapi-response-validator, built on ajv), never with the client's zod schemas.
 * A transport wrapper records and validates every answer the client (or a raw call) receives.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import OpenAPIResponseValidator from 'openapi-response-validator'
import { parse } from 'yaml'
import type { SparkflyTransport } from '../../lib/sparkfly'

const DESCRIPTION = fileURLToPath(new URL('../../docs/sparkfly/sparkfly.openapi.yaml', import.meta.url))

interface ResponseObject {
  'x-inferred'?: string
  $ref?: string
}
interface OperationObject {
  operationId: string
  responses: Record<string, ResponseObject>
}
interface Description {
  paths: Record<string, Record<string, OperationObject>>
  components: Record<string, Record<string, ResponseObject>>
}

/** One answer checked against the description. */
export interface CheckedAnswer {
  operation: string
  method: string
  path: string
  status: number
  /** Validator errors (empty: the answer conforms, its status included). */
  problems: string[]
  /** The status is listed but marked x-inferred (not in either published description for this operation). */
  inferred: boolean
}

interface Matcher {
  method: string
  /** Literal segments of the path template: more literal paths are tried first, as a router would. */
  weight: number
  pattern: RegExp
  operation: OperationObject
  validator: OpenAPIResponseValidator
}

const METHODS = new Set(['get', 'post', 'put', 'delete'])

function load(): { description: Description; matchers: Matcher[] } {
  const description = parse(readFileSync(DESCRIPTION, 'utf8')) as Description
  const matchers: Matcher[] = []
  for (const [path, item] of Object.entries(description.paths)) {
    const pattern = new RegExp(`^${path.replace(/\{[a-z_]+\}/g, '[^/]+')}$`)
    const weight = path.split('/').filter((segment) => !segment.startsWith('{')).length
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue
      const validator = new OpenAPIResponseValidator({
        responses: dereferenced(description, operation.responses) as never,
        components: description.components as never,
      })
      matchers.push({ method: method.toUpperCase(), weight, pattern, operation, validator })
    }
  }
  matchers.sort((x, y) => y.weight - x.weight)
  return { description, matchers }
}

/** The validator reads `content` of each response: replace `$ref: '#/components/responses/X'` by X itself. */
function dereferenced(description: Description, responses: Record<string, ResponseObject>) {
  return Object.fromEntries(
    Object.entries(responses).map(([status, response]) => {
      const name = response.$ref?.split('/').at(-1)
      return [status, name === undefined ? response : description.components.responses?.[name]]
    }),
  )
}

/** Is this status of `operation` marked x-inferred (directly or through its $ref)? */
function isInferred(description: Description, response: ResponseObject | undefined): boolean {
  if (!response) return false
  if (response['x-inferred']) return true
  const name = response.$ref?.split('/').at(-1)
  return name !== undefined && Boolean(description.components.responses?.[name]?.['x-inferred'])
}

/** Records and validates every answer that passes through `transport`. */
export function contractRecorder() {
  const { description, matchers } = load()
  const answers: CheckedAnswer[] = []

  function check(method: string, url: string, status: number, text: string, headers: Headers): CheckedAnswer {
    const pathname = new URL(url).pathname.replace(/\.json$/, '')
    const path = pathname === '/auth' ? pathname : pathname.replace(/^\/v1\.0/, '')
    const matcher = matchers.find((m) => m.method === method && m.pattern.test(path))
    if (!matcher)
      return { operation: 'unknown', method, path, status, problems: ['no such operation'], inferred: false }
    let body: unknown = null
    const problems: string[] = []
    try {
      body = text === '' ? null : JSON.parse(text)
    } catch {
      problems.push('body is not JSON')
    }
    const result = matcher.validator.validateResponse(String(status), body)
    for (const error of result?.errors ?? []) problems.push(`${error.path ?? ''} ${error.message}`.trim())
    if (status === 204 && !headers.get('x-auth-token')) problems.push('204 without X-Auth-Token')
    const response = matcher.operation.responses[String(status)]
    const inferred = isInferred(description, response)
    return { operation: matcher.operation.operationId, method, path, status, problems, inferred }
  }

  /** A transport over fetch that checks each answer and hands the client an untouched copy. */
  const transport: SparkflyTransport = async (url, request) => {
    const response = await fetch(url, request)
    const text = await response.clone().text()
    answers.push(check(request.method ?? 'GET', url, response.status, text, response.headers))
    return response
  }

  return { transport, answers, operationIds: matchers.map((m) => m.operation.operationId) }
}
