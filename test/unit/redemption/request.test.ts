import { describe, expect, it } from 'vitest'
import { HttpProblem } from '../../../lib/edge/errors'
import { redemptionRequest } from '../../../lib/edge/redemption'
import { PermanentError } from '../../../lib/errors'
import { InvalidRedemptionRequest, parseRedemptionRequest } from '../../../lib/redemption'

const now = new Date('2025-03-01T12:00:00Z')

/** The fields the refusal names, or 'valid'. */
function refusedFields(body: unknown): string[] | 'valid' {
  try {
    parseRedemptionRequest(body, now)
    return 'valid'
  } catch (error) {
    if (!(error instanceof InvalidRedemptionRequest)) throw error
    return error.problems.map((e) => e.field)
  }
}

describe("parseRedemptionRequest (and the edge's redemptionRequest, its 400)", () => {
  it('accepts the contract body and normalises ids to strings', () => {
    expect(
      parseRedemptionRequest(
        {
          code: 'K7Q2M9XR4T',
          transactionId: 'T-1001',
          storeId: 12,
          memberId: 42,
          redeemedAt: '2025-03-01T13:59:00+02:00',
        },
        now,
      ),
    ).toEqual({
      code: 'K7Q2M9XR4T',
      transactionId: 'T-1001',
      storeId: '12',
      memberId: '42',
      redeemedAt: '2025-03-01T11:59:00.000Z',
    })
  })

  it('accepts the minimal body (code and transactionId)', () => {
    expect(parseRedemptionRequest({ code: 'abc-123_X', transactionId: 'pos:42.7' }, now)).toEqual({
      code: 'abc-123_X',
      transactionId: 'pos:42.7',
    })
  })

  it('accepts memberId and storeId given as strings', () => {
    expect(
      parseRedemptionRequest({ code: 'A1', transactionId: 'T', memberId: '42', storeId: 'S-7' }, now),
    ).toMatchObject({
      memberId: '42',
      storeId: 'S-7',
    })
  })

  it.each([
    ['missing code', { transactionId: 'T' }, ['code']],
    ['missing transactionId', { code: 'A1' }, ['transactionId']],
    ['both missing', {}, ['code', 'transactionId']],
    ['code is a number', { code: 12345, transactionId: 'T' }, ['code']],
    ['empty code', { code: '', transactionId: 'T' }, ['code']],
    ['code with a space', { code: 'K7Q2 M9XR', transactionId: 'T' }, ['code']],
    ['code with path traversal', { code: '../../credentials/1', transactionId: 'T' }, ['code']],
    ['code with unicode', { code: 'K7Q2M9XR\u00e9', transactionId: 'T' }, ['code']],
    ['code with a zero-width space', { code: 'K7Q2\u200bM9XR', transactionId: 'T' }, ['code']],
    ['code with a line break', { code: 'K7Q2\nM9XR', transactionId: 'T' }, ['code']],
    ['code of 65 characters', { code: 'A'.repeat(65), transactionId: 'T' }, ['code']],
    ['transactionId too long', { code: 'A1', transactionId: 'T'.repeat(129) }, ['transactionId']],
    ['transactionId with a quote', { code: 'A1', transactionId: "T'; DROP" }, ['transactionId']],
    ['memberId zero', { code: 'A1', transactionId: 'T', memberId: 0 }, ['memberId']],
    ['memberId negative', { code: 'A1', transactionId: 'T', memberId: -4 }, ['memberId']],
    ['memberId decimal', { code: 'A1', transactionId: 'T', memberId: 4.5 }, ['memberId']],
    ['memberId not digits', { code: 'A1', transactionId: 'T', memberId: '42abc' }, ['memberId']],
    ['memberId object', { code: 'A1', transactionId: 'T', memberId: { $gt: 0 } }, ['memberId']],
    ['storeId boolean', { code: 'A1', transactionId: 'T', storeId: true }, ['storeId']],
    ['storeId with a slash', { code: 'A1', transactionId: 'T', storeId: 'a/b' }, ['storeId']],
    [
      'redeemedAt without time zone',
      { code: 'A1', transactionId: 'T', redeemedAt: '2025-03-01T12:00:00' },
      ['redeemedAt'],
    ],
    ['redeemedAt not a date', { code: 'A1', transactionId: 'T', redeemedAt: 'yesterday' }, ['redeemedAt']],
    [
      'redeemedAt an hour ahead',
      { code: 'A1', transactionId: 'T', redeemedAt: '2025-03-01T13:00:00Z' },
      ['redeemedAt'],
    ],
    ['unknown field', { code: 'A1', transactionId: 'T', discount: 100 }, ['discount']],
    [
      '__proto__ key',
      JSON.parse('{"code":"A1","transactionId":"T","__proto__":{"admin":true}}'),
      ['__proto__'],
    ],
    ['an array', [{ code: 'A1', transactionId: 'T' }], ['body']],
    ['a string', 'A1', ['body']],
    ['null', null, ['body']],
  ])('refuses %s, naming the field', (_label, body, fields) => {
    expect(refusedFields(body)).toEqual(fields)
  })

  it('refuses with a permanent error of its own, classified by class and reason', () => {
    let refusal: unknown
    try {
      parseRedemptionRequest({ code: 'A1' }, now)
    } catch (error) {
      refusal = error
    }
    expect(refusal).toBeInstanceOf(InvalidRedemptionRequest)
    expect(refusal).toBeInstanceOf(PermanentError)
    expect(refusal).toMatchObject({ reason: 'invalid_body', retryable: false })
    expect((refusal as Error).message).toBe('transactionId is required')
  })

  it('says why in a 400 detail a supervisor can act on, without echoing the values', () => {
    let problem: HttpProblem | undefined
    try {
      redemptionRequest({ code: '<script>alert(1)</script>', transactionId: 'T' }, now)
    } catch (error) {
      problem = error as HttpProblem
    }
    expect(problem).toBeInstanceOf(HttpProblem)
    expect(problem?.status).toBe(400)
    expect(problem?.extensions).toMatchObject({ reason: 'invalid_body', errors: [{ field: 'code' }] })
    expect(problem?.detail).toMatch(
      /^Fix the request and send it again: code may only contain letters, digits/,
    )
    expect(problem?.detail.includes('<script>')).toBe(false)
  })

  it.each([
    ['memberId', -4],
    ['memberId', 4.5],
    ['memberId', '42abc'],
    ['memberId', true],
    ['storeId', -3],
    ['storeId', 1.5],
    ['storeId', null],
  ])(
    'explains a bad %s (%j) in the same words whichever way it is wrong, never with a regex',
    (field, value) => {
      let problem: HttpProblem | undefined
      try {
        redemptionRequest({ code: 'A1', transactionId: 'T', [field]: value }, now)
      } catch (error) {
        problem = error as HttpProblem
      }
      const expected =
        field === 'memberId'
          ? 'must be the Sparkfly member id, a positive integer'
          : 'must be a non-negative integer or a string of letters, digits, ".", "_", ":" and "-"'
      expect(problem?.extensions.errors).toEqual([{ field, problem: expected }])
    },
  )

  it('reports unknown keys in a safe, shortened form', () => {
    const fields = refusedFields({ code: 'A1', transactionId: 'T', [`x\r\n${'y'.repeat(100)}`]: 1 })
    expect(fields).toEqual([`x??${'y'.repeat(37)}`])
  })
})
