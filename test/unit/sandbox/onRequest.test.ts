import { afterEach, describe, expect, it } from 'vitest'
import type { RequestLogEntry, Sandbox } from '../../../local/sandbox'
import { client, login, start } from './helpers'

let sandbox: Sandbox | undefined
afterEach(async () => {
  await sandbox?.stop()
  sandbox = undefined
})

describe('sandbox onRequest observer', () => {
  it('is told about each API request once it is answered, faults included, and never about admin calls', async () => {
    const seen: RequestLogEntry[] = []
    sandbox = await start({ onRequest: (entry) => seen.push(entry) })
    const api = client(sandbox, await login(sandbox))
    const listPath = `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`
    sandbox.admin.setFaults({ failNext: { status: 500 } })

    expect((await api('GET', listPath)).status).toBe(500)
    expect((await api('GET', listPath)).status).toBe(200)
    await fetch(`${sandbox.origin}/_sandbox/counters`)

    expect(seen.map((e) => [e.operation, e.status, e.fault])).toEqual([
      ['auth', 204, undefined],
      ['offerStates.list', 500, 500],
      ['offerStates.list', 200, undefined],
    ])
    expect(JSON.stringify(seen)).not.toContain(api.token)
  })

  it('keeps answering when the observer throws', async () => {
    sandbox = await start({
      onRequest: () => {
        throw new Error('observer failed')
      },
    })
    const api = client(sandbox, await login(sandbox))
    expect(
      (
        await api(
          'GET',
          `/members/${sandbox.fixtures.members[0]!.id}/offer_states?channel_id=${sandbox.fixtures.channelId}`,
        )
      ).status,
    ).toBe(200)
  })
})
