import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { handler } from '../../../functions/route-not-found'
import { allowedMethods, DECLARED_ROUTES } from '../../../lib/edge/routes'
import { loadServerlessConfig } from '../../../local/runtime/serverlessConfig'
import { httpApiEvent, lambdaContext } from '../../support/events'

const ROOT = join(__dirname, '../../..')

async function call(method: string, path: string) {
  const event = {
    ...httpApiEvent({ body: 'ignored', headers: { 'content-type': 'text/plain' } }),
    rawPath: path,
  }
  event.requestContext = { ...event.requestContext, http: { ...event.requestContext.http, method, path } }
  const result = (await handler(event as never, lambdaContext())) as {
    statusCode: number
    headers: Record<string, string>
    body: string
  }
  return { ...result, json: JSON.parse(result.body) as Record<string, unknown> }
}

describe('the $default route (routeNotFound)', () => {
  it('knows exactly the routes serverless.yml declares, and is itself the $default route', () => {
    const config = loadServerlessConfig({ file: join(ROOT, 'serverless.yml'), rootDir: ROOT, stage: 'ci' })
    const routeKeys = config.functions.flatMap((fn) =>
      fn.events.flatMap((event) => (event.type === 'httpApi' ? [`${fn.key} ${event.routeKey}`] : [])),
    )
    expect(
      routeKeys
        .filter((key) => !key.startsWith('routeNotFound '))
        .map((key) => key.split(' ').slice(1).join(' '))
        .sort(),
    ).toEqual([...DECLARED_ROUTES].sort())
    expect(routeKeys).toContain('routeNotFound $default')
  })

  it.each(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'GET'])(
    'answers %s on a declared path with 405 problem+json and Allow: POST',
    async (method) => {
      for (const path of ['/pos/redemptions', '/staff/codes/K7Q2/void', '/staff/offer-states/1/void']) {
        const response = await call(method, path)
        expect(response.statusCode).toBe(405)
        expect(response.headers['content-type']).toBe('application/problem+json')
        expect(response.headers.allow).toBe('POST')
        expect(response.json).toMatchObject({ status: 405, reason: 'method_not_allowed' })
      }
    },
  )

  it('answers 404 problem+json for a path no route has, whatever the method', async () => {
    for (const [method, path] of [
      ['POST', '/'],
      ['GET', '/staff/codes/K7Q2/void/extra'],
      ['POST', '/staff/../etc/passwd'],
    ] as const) {
      const response = await call(method, path)
      expect([response.statusCode, response.json.reason]).toEqual([404, 'no_route'])
      expect(response.headers['content-type']).toBe('application/problem+json')
    }
    expect(allowedMethods('/staff/codes//void')).toEqual([])
  })
})
