/**
 * The stateful Sparkfly sandbox: a local "test mode" of the Sparkfly offers API (credentials, offer states,
 * /auth) with a controllable clock, fault and latency injection, and an admin surface. See docs/sandbox.md.
 *
 * @example
 * const sandbox = await startSandbox({ port: 0 })
 * // sandbox.url -> http://127.0.0.1:54321/v1.0 ; sandbox.account -> { identity, key }
 * sandbox.admin.clock.advance(25 * 3600_000)
 * await sandbox.stop()
 */
import { createAdmin } from './admin'
import { createCore } from './core'
import { validateFaults, validateLatency } from './faults'
import { BASE_PATH } from './routes'
import { createSandboxServer } from './server'
import type { Sandbox, SandboxOptions } from './types'

export { ADMIN_PREFIX, SandboxAdminError } from './admin'
export { Messages } from './errors'
export { FIXTURE_MEMBER_IDENTIFIERS } from './fixtures'
export { Prefix } from './ids'
export { SANDBOX_PROFILES, SandboxProfile, type SandboxReadings, sandboxReadings } from './profile'
export { BASE_PATH, routes } from './routes'
export * from './types'

/** Starts a sandbox on 127.0.0.1 (a free port by default) and resolves once it accepts connections. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  if (options.faults) validateFaults(options.faults)
  if (options.latency) validateLatency(options.latency)
  const core = createCore(options)
  const admin = createAdmin(core)
  const http = createSandboxServer(core, admin)
  const address = await http.listen(options.port ?? 0, options.host ?? '127.0.0.1')
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const origin = `http://${host}:${address.port}`
  return {
    url: `${origin}${BASE_PATH}`,
    origin,
    account: { identity: core.account.identity, key: core.account.key },
    fixtures: core.fixtures,
    admin,
    stop: () => http.stop(),
  }
}
