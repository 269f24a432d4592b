import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { optionsFromArgs } from '../../../local/sandbox-cli'

const ROOT = join(__dirname, '..', '..', '..')
let child: ChildProcess | undefined

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = undefined
})

describe('sandbox CLI options', () => {
  it('maps flags to sandbox options', () => {
    expect(
      optionsFromArgs([
        '--port',
        '0',
        '--token-ttl',
        '120',
        '--latency-ms',
        '25',
        '--rate-limit',
        '10',
        '--faults',
        '{"rates":{"503":0.1}}',
        '--seed',
        '7',
        '--campaign',
        'local-a',
        '--campaign',
        'local-b',
        '--quiet',
      ]),
    ).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      tokenTtlSeconds: 120,
      latency: { fixedMs: 25 },
      rateLimitPerSecond: 10,
      faults: { rates: { '503': 0.1 }, seed: 7 },
      quiet: true,
      seed: true,
      campaigns: [{ xid: 'local-a' }, { xid: 'local-b' }],
    })
    expect(optionsFromArgs([])).toMatchObject({ port: 4010, quiet: false })
    expect(() => optionsFromArgs(['--port', 'abc'])).toThrow('--port must be a non-negative integer')
    expect(() => optionsFromArgs(['--bogus'])).toThrow()
  })
})

describe('sandbox CLI process', () => {
  it('prints its URL and account, serves /auth, and exits 0 on SIGTERM', async () => {
    // One process (node with the tsx loader), so the PID we signal is the server itself.
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/sandbox-cli.ts', '--port', '0', '--quiet'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    child = proc
    let output = ''
    proc.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    const deadline = Date.now() + 20_000
    while (!/X-Auth-Key:\s+\S+/.test(output) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))

    const url = /listening: (http:\/\/127\.0\.0\.1:\d+\/v1\.0)/.exec(output)?.[1]
    const identity = /X-Auth-Identity: (\S+)/.exec(output)?.[1]
    const key = /X-Auth-Key:\s+(\S+)/.exec(output)?.[1]
    expect(url).toBeDefined()
    expect(key).toMatch(/^sbx_key_/)

    const auth = await fetch(`${url}/auth`, { headers: { 'X-Auth-Identity': identity!, 'X-Auth-Key': key! } })
    expect(auth.status).toBe(204)

    proc.kill('SIGTERM')
    const [code] = await once(proc, 'exit')
    expect(code).toBe(0)
    await expect(fetch(`${url}/auth`)).rejects.toThrow()
  })
})
