import { parse as parseJsonAst } from '@humanwhocodes/momoa'
import { parse as parseContentType } from 'content-type'
import { HttpProblem } from './errors'

/** Deepest nesting a request body may have: the bodies this service reads are flat objects. */
export const MAX_JSON_DEPTH = 16

type JsonNode = {
  type: string
  loc: { start: { offset: number; line: number; column: number }; end: { offset: number } }
  members?: { name: { value: string }; value: JsonNode }[]
  elements?: { value: JsonNode }[]
}

const invalidBody = (detail: string) => new HttpProblem(400, 'Invalid request body', detail)

/**
 * Refuses a request whose body is not plain JSON: a media type other than `application/json` (or `+json`, matched
 * case-insensitively as RFC 9110 says), or a compressed body, answers 415.
 */
export function assertJsonMediaType(headers: Record<string, string | undefined>): void {
  const encoding = headers['content-encoding']?.trim().toLowerCase()
  if (encoding && encoding !== 'identity') {
    throw new HttpProblem(
      415,
      'Unsupported content encoding',
      `Send the body uncompressed (got ${encoding}).`,
    )
  }
  let type: string | undefined
  try {
    type = headers['content-type'] ? parseContentType(headers['content-type']).type : undefined
  } catch {
    type = undefined
  }
  if (!type || !/^application\/([a-z0-9.+-]+\+)?json$/.test(type)) {
    throw new HttpProblem(415, 'Unsupported media type', 'Send the body as application/json.')
  }
}

/** The body's text, refusing bytes that are not UTF-8 (JSON is UTF-8, RFC 8259 §8.1). */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw invalidBody('The request body is not valid UTF-8.')
  }
}

/** Compares two decimal literals by value: `1.50` and `15e-1` are the same number; `1.0000000000000001` is not 1. */
function sameDecimal(a: string, b: string): boolean {
  const canonical = (literal: string) => {
    const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal)
    if (!match) return literal
    const [, sign, whole = '', fraction = '', exponent = '0'] = match
    const digits = `${whole}${fraction}`.replace(/^0+/, '')
    const trimmed = digits.replace(/0+$/, '')
    if (trimmed === '') return '0'
    const scale = Number(exponent) - fraction.length + (digits.length - trimmed.length)
    return `${sign}${trimmed}e${scale}`
  }
  return canonical(a) === canonical(b)
}

function checkNode(node: JsonNode, text: string, depth: number): void {
  if (depth > MAX_JSON_DEPTH)
    throw invalidBody(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`)
  if (node.type === 'Number') {
    const literal = text.slice(node.loc.start.offset, node.loc.end.offset)
    if (!sameDecimal(literal, String(Number(literal)))) {
      throw invalidBody(
        `The number ${literal.slice(0, 40)} cannot be represented exactly; send it as a string.`,
      )
    }
  }
  const seen = new Set<string>()
  for (const member of node.members ?? []) {
    if (seen.has(member.name.value)) {
      throw invalidBody(`The field "${member.name.value.slice(0, 40)}" appears more than once.`)
    }
    seen.add(member.name.value)
    checkNode(member.value, text, depth + 1)
  }
  for (const element of node.elements ?? []) checkNode(element.value, text, depth + 1)
}

/**
 * Parses a request body as strict JSON: syntax errors, duplicate keys (which parsers resolve differently, so a
 * signed body could mean two things), numbers that would lose precision and deep nesting all answer 400 with what
 * was wrong.
 *
 * @example
 * parseStrictJson('{"code":"A","code":"B"}') // throws HttpProblem 400: The field "code" appears more than once.
 */
export function parseStrictJson(text: string): unknown {
  let ast: { body: JsonNode }
  try {
    ast = parseJsonAst(text, { mode: 'json' }) as unknown as { body: JsonNode }
  } catch (error) {
    if (error instanceof RangeError) {
      throw invalidBody(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`)
    }
    throw invalidBody('The request body is not valid JSON.')
  }
  checkNode(ast.body, text, 0)
  return JSON.parse(text)
}
