import { describe, expect, it } from 'vitest'
import { httpHandler, json } from '../../../lib/edge/http'
import { requireStaffIdentity, requireStaffScope, staffScopes } from '../../../lib/edge/voiding'
import { lambdaContext } from '../../support/events'

/** A staff event as API Gateway passes it after its JWT authorizer: `jwt` is what the authorizer put there. */
function staffEvent(jwt: { claims: Record<string, string>; scopes?: unknown } | undefined) {
  return {
    version: '2.0',
    routeKey: 'POST /staff/credentials/{credentialId}/void',
    rawPath: '/staff/credentials/1/void',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: { requestId: 'r-1', ...(jwt ? { authorizer: { jwt } } : {}) },
    body: '{"reason":"x"}',
    isBase64Encoded: false,
  }
}

function setup(allowed: string[]) {
  let reached = 0
  const handler = httpHandler(
    async () => {
      reached++
      return json(200, { ok: true })
    },
    { beforeParse: [requireStaffIdentity(), requireStaffScope(() => allowed)] },
  )
  const call = async (event: ReturnType<typeof staffEvent>) => {
    const result = (await handler(event as never, lambdaContext())) as {
      statusCode: number
      headers: Record<string, string>
      body: string
    }
    return { ...result, json: JSON.parse(result.body) as Record<string, unknown> }
  }
  return { call, reached: () => reached }
}

describe('staffScopes', () => {
  it('reads jwt.scopes, else the scope claim, else the scp claim as API Gateway renders a list', () => {
    expect(staffScopes(staffEvent({ claims: { sub: 's' }, scopes: ['offers:void', 7] }) as never)).toEqual([
      'offers:void',
    ])
    expect(staffScopes(staffEvent({ claims: { sub: 's', scope: 'a offers:void' } }) as never)).toEqual([
      'a',
      'offers:void',
    ])
    expect(staffScopes(staffEvent({ claims: { sub: 's', scp: '[a offers:void]' } }) as never)).toEqual([
      'a',
      'offers:void',
    ])
    expect(staffScopes(staffEvent(undefined) as never)).toEqual([])
  })
})

describe('requireStaffScope', () => {
  it('answers 403 problem+json to a verified staff token without an allowed scope, before the handler', async () => {
    const { call, reached } = setup(['offers:void'])
    const tokens: { claims: Record<string, string>; scopes?: unknown }[] = [
      { claims: { sub: 'staff-1' }, scopes: [] },
      { claims: { sub: 'staff-1', scope: 'offers:read' } },
      { claims: { sub: 'staff-1', scope: 'offers:void:extra offers' } },
    ]
    for (const jwt of tokens) {
      const response = await call(staffEvent(jwt))
      expect(response.statusCode).toBe(403)
      expect(response.headers['content-type']).toBe('application/problem+json')
      expect(response.headers['www-authenticate']).toBe(
        'Bearer error="insufficient_scope", scope="offers:void"',
      )
      expect(response.json).toMatchObject({ status: 403, reason: 'insufficient_scope' })
    }
    expect(reached()).toBe(0)
  })

  it('lets a token with any one of the allowed scopes through', async () => {
    const { call, reached } = setup(['ops:admin', 'offers:void'])
    expect((await call(staffEvent({ claims: { sub: 'staff-1' }, scopes: ['offers:void'] }))).statusCode).toBe(
      200,
    )
    expect((await call(staffEvent({ claims: { sub: 'staff-2', scope: 'x ops:admin' } }))).statusCode).toBe(
      200,
    )
    expect(reached()).toBe(2)
  })

  it('still answers 401 (not 403) without a verified subject', async () => {
    const { call } = setup(['offers:void'])
    expect((await call(staffEvent(undefined))).statusCode).toBe(401)
  })
})
