import type { Context } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { HttpProblem } from '../../../lib/edge/errors'
import type { HttpEvent } from '../../../lib/edge/http'
import {
  handleStaffVoid,
  parseStaffVoidRequest,
  StaffVoidRoute,
  voidProblem,
} from '../../../lib/edge/voiding'
import { SPARKFLY_CONFLICTS, SparkflyConflictError, SparkflyServerError } from '../../../lib/sparkfly/errors'
import { VoidConflict, VoidConflictError, VoidNotFoundError } from '../../../lib/voiding'
import { lambdaContext } from '../../support/events'

function staffEvent(
  routeKey: string,
  path: string,
  body: unknown,
  options: { sub?: string; headers?: Record<string, string> } = {},
) {
  const rawBody = JSON.stringify(body)
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    requestContext: {
      requestId: 'api-req-1',
      ...(options.sub ? { authorizer: { jwt: { claims: { sub: options.sub }, scopes: [] } } } : {}),
    },
    body,
    rawBody,
    isBase64Encoded: false,
  } as unknown as HttpEvent<unknown>
}

function problemOf(fn: () => unknown): HttpProblem {
  try {
    fn()
  } catch (error) {
    if (error instanceof HttpProblem) return error
    throw error
  }
  throw new Error('expected an HttpProblem')
}

describe('parseStaffVoidRequest', () => {
  it('reads each route into its target', () => {
    expect(
      parseStaffVoidRequest(
        staffEvent(StaffVoidRoute.offerState, '/staff/offer-states/12/void', { memberId: 3, reason: 'r' }),
      ),
    ).toEqual({
      route: StaffVoidRoute.offerState,
      target: { offerStateId: '12', memberId: '3' },
      reason: 'r',
    })
    expect(
      parseStaffVoidRequest(
        staffEvent(StaffVoidRoute.credential, '/staff/credentials/44/void', { reason: ' r ' }),
      ).target,
    ).toEqual({ credentialId: '44' })
    expect(
      parseStaffVoidRequest(staffEvent('$default', '/staff/codes/K7Q_2-x/void', { reason: 'r' })).target,
    ).toEqual({
      code: 'K7Q_2-x',
    })
  })

  it.each([
    ['an encoded traversal', '..%2F..%2Fauth'],
    ['an encoded slash', 'K7Q%2F2'],
    ['a query', 'K7Q%3Fx%3D1'],
    ['dots', '..'],
    ['full-width letters (NFKC folds them to ASCII)', '%EF%BC%AB%EF%BC%97%EF%BC%B1'],
    ['the Kelvin sign (NFKC folds it to K)', '%E2%84%AA7Q2'],
    ['a combining accent', 'K7Q2e%CC%81'],
    ['a leading dash', '-K7Q2'],
  ])('refuses a code with %s (400), the same characters as the webhook', (_name, segment) => {
    const problem = problemOf(() =>
      parseStaffVoidRequest(staffEvent('$default', `/staff/codes/${segment}/void`, { reason: 'r' })),
    )
    expect(problem.status).toBe(400)
    expect(problem.detail).toMatch(/^Fix these fields: code must be ASCII letters and digits/)
  })

  it('names every invalid field and why', () => {
    const problem = problemOf(() =>
      parseStaffVoidRequest(
        staffEvent(StaffVoidRoute.offerState, '/staff/offer-states/abc/void', {
          memberId: 1,
          memberIdentifier: 'x',
          extra: 1,
        }),
      ),
    )
    expect(problem.status).toBe(400)
    expect(problem.extensions.errors).toEqual(
      expect.arrayContaining([
        { field: 'offerStateId', message: 'must be a positive integer id' },
        { field: 'extra', message: 'is not allowed' },
        { field: 'reason', message: 'is required' },
      ]),
    )
  })

  it('refuses a reason that is blank or too long', () => {
    const blank = problemOf(() =>
      parseStaffVoidRequest(
        staffEvent(StaffVoidRoute.credential, '/staff/credentials/1/void', { reason: '  ' }),
      ),
    )
    const long = problemOf(() =>
      parseStaffVoidRequest(
        staffEvent(StaffVoidRoute.credential, '/staff/credentials/1/void', { reason: 'x'.repeat(501) }),
      ),
    )
    expect(blank.detail).toContain('reason must not be empty')
    expect(long.detail).toContain('reason must be at most 500 characters')
  })
})

describe('handleStaffVoid', () => {
  const unused = {
    voiding: {} as never,
    idempotency: { run: () => Promise.reject(new Error('must not run')) },
  }
  const context: Context = lambdaContext()

  it('refuses a request without a verified subject with 401, before looking at the body', async () => {
    const event = staffEvent(StaffVoidRoute.credential, '/staff/credentials/1/void', 'not even an object')
    await expect(handleStaffVoid(event, context, unused)).rejects.toMatchObject({ status: 401 })
  })

  it('refuses a malformed Idempotency-Key with 400', async () => {
    const event = staffEvent(
      StaffVoidRoute.credential,
      '/staff/credentials/1/void',
      { reason: 'r' },
      {
        sub: 'staff-1',
        headers: { 'idempotency-key': 'x'.repeat(256) },
      },
    )
    await expect(handleStaffVoid(event, context, unused)).rejects.toMatchObject({ status: 400 })
  })
})

describe('voidProblem', () => {
  it('answers 409 "busy" for a Sparkfly conflict that is not about the offer state, and leaves other failures alone', () => {
    const busy = voidProblem(
      new SparkflyConflictError('locked', { status: 409, conflict: SPARKFLY_CONFLICTS.other }),
    )
    expect(busy).toBeInstanceOf(HttpProblem)
    expect(busy).toMatchObject({
      status: 409,
      title: 'Offer busy in Sparkfly',
      extensions: { conflict: 'other' },
    })

    const down = new SparkflyServerError('down', { status: 503 })
    expect(voidProblem(down)).toBe(down)
  })

  it('answers 404 for an unknown target and 409 with the current state for a conflict', () => {
    expect(voidProblem(new VoidNotFoundError('No credential 1 exists.'))).toMatchObject({ status: 404 })
    const offer = { kind: 'credential', id: '1', status: 'voided', member: {} } as const
    expect(
      voidProblem(new VoidConflictError(VoidConflict.alreadyVoided, offer, 'already voided')),
    ).toMatchObject({ status: 409, extensions: { conflict: 'already_voided', offer } })
  })
})
