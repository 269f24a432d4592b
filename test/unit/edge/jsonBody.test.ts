import { describe, expect, it } from 'vitest'
import { HttpProblem } from '../../../lib/edge/errors'
import { assertJsonMediaType, decodeUtf8, MAX_JSON_DEPTH, parseStrictJson } from '../../../lib/edge/jsonBody'

/** The problem `run` throws (fails the test when it throws nothing or something else). */
function problemOf(run: () => unknown): HttpProblem {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(HttpProblem)
    return error as HttpProblem
  }
  throw new Error('expected an HttpProblem, nothing was thrown')
}

describe('parseStrictJson', () => {
  it('parses ordinary JSON exactly as JSON.parse does', () => {
    const text = '{"code":"ABC123","memberId":42,"amount":12.5,"tags":["a"],"x":null,"ok":true,"big":1e3}'
    expect(parseStrictJson(text)).toEqual(JSON.parse(text))
  })

  it('refuses a key given twice, naming it (a parser would keep only the last)', () => {
    const problem = problemOf(() => parseStrictJson('{"code":"NOPE0000","code":"REAL1234"}'))
    expect(problem.status).toBe(400)
    expect(problem.detail).toBe('The field "code" appears more than once.')
    expect(problemOf(() => parseStrictJson('{"a":{"b":1,"b":2}}')).detail).toMatch(
      /"b" appears more than once/,
    )
  })

  it('refuses numbers that JavaScript cannot hold exactly, and keeps those it can', () => {
    expect(problemOf(() => parseStrictJson('{"memberId":123.0000000000000001}')).detail).toMatch(
      /123\.0000000000000001 cannot be represented exactly/,
    )
    expect(problemOf(() => parseStrictJson('{"memberId":9007199254740993}')).status).toBe(400)
    expect(parseStrictJson('{"a":1.50,"b":15e-1,"c":0.1,"d":-0,"e":1E+2,"f":9007199254740991}')).toEqual({
      a: 1.5,
      b: 1.5,
      c: 0.1,
      d: -0,
      e: 100,
      f: 9007199254740991,
    })
  })

  it('refuses nesting deeper than the limit, however deep', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`
    expect(parseStrictJson(deep(MAX_JSON_DEPTH))).toBeDefined()
    expect(problemOf(() => parseStrictJson(deep(MAX_JSON_DEPTH + 2))).detail).toMatch(/nested deeper/)
    expect(problemOf(() => parseStrictJson(deep(50_000))).status).toBe(400)
  })

  it('answers 400 for what is not JSON, a byte order mark included', () => {
    for (const text of ['', '{', "{'a':1}", '{"a":1,}', '\uFEFF{"a":1}', 'NaN']) {
      expect(problemOf(() => parseStrictJson(text)).detail).toBe('The request body is not valid JSON.')
    }
  })
})

describe('decodeUtf8', () => {
  it('keeps UTF-8 text and refuses other bytes', () => {
    expect(decodeUtf8(Buffer.from('{"name":"Zoë"}', 'utf8'))).toBe('{"name":"Zoë"}')
    expect(problemOf(() => decodeUtf8(Buffer.from('{"name":"Zoë"}', 'latin1'))).detail).toBe(
      'The request body is not valid UTF-8.',
    )
  })
})

describe('assertJsonMediaType', () => {
  it('accepts application/json in any letter case, with parameters, and +json types', () => {
    for (const type of [
      'application/json',
      'Application/JSON',
      'application/json; charset=utf-8',
      'application/problem+json',
    ]) {
      expect(() => assertJsonMediaType({ 'content-type': type })).not.toThrow()
    }
  })

  it('answers 415 for other or missing media types and for compressed bodies', () => {
    for (const type of [
      undefined,
      'text/plain',
      'application/jsonx',
      'application/x-www-form-urlencoded',
      ';;',
    ]) {
      expect(problemOf(() => assertJsonMediaType({ 'content-type': type })).status).toBe(415)
    }
    const gzip = problemOf(() =>
      assertJsonMediaType({ 'content-type': 'application/json', 'content-encoding': 'gzip' }),
    )
    expect(gzip.status).toBe(415)
    expect(gzip.detail).toMatch(/uncompressed \(got gzip\)/)
    expect(() =>
      assertJsonMediaType({ 'content-type': 'application/json', 'content-encoding': 'identity' }),
    ).not.toThrow()
  })
})
