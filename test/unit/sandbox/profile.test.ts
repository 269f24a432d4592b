import { afterEach, describe, expect, it } from 'vitest'
import { SANDBOX_PROFILES, type Sandbox, sandboxReadings } from '../../../local/sandbox'
import { start } from './helpers'

describe('sandbox profiles', () => {
  let sandbox: Sandbox | undefined
  afterEach(async () => {
    await sandbox?.stop()
    sandbox = undefined
  })

  it('defaults to the platform readings, the stricter ones', () => {
    expect(SANDBOX_PROFILES).toEqual(['platform', 'offer-states'])
    expect(sandboxReadings()).toMatchObject({ query: 'page', redeem: 'body', listNeedsChannel: true })
    expect(sandboxReadings('offer-states')).toMatchObject({ query: 'offer_state', redeem: 'any' })
  })

  it('lets single readings override the profile, and refuses an unknown profile', () => {
    expect(sandboxReadings('offer-states', { query: 'page' }).query).toBe('page')
    expect(() => sandboxReadings('nope' as never)).toThrow(RangeError)
  })

  it('answers /auth by one method only when told, 405 with Allow for the other', async () => {
    sandbox = await start({ readings: { authMethod: 'GET' } })
    const headers = { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key }
    const get = await fetch(`${sandbox.origin}/auth`, { method: 'GET', headers })
    expect(get.status).toBe(204)
    const post = await fetch(`${sandbox.origin}/auth`, { method: 'POST', headers })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
  })
})
