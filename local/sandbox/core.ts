import { createClock, iso } from './clock'
import { Faults } from './faults'
import { emptyFixtures, seedFixtures } from './fixtures'
import { accountIdentity, accountKey } from './ids'
import { type SandboxReadings, sandboxReadings } from './profile'
import { SandboxStore, type StoreSnapshot } from './store'
import { Tokens } from './tokens'
import {
  type Account,
  CampaignStatus,
  OPERATIONS,
  type OperationName,
  type RequestLogEntry,
  type SandboxClock,
  type SandboxFixtures,
  type SandboxOptions,
} from './types'

export const DEFAULT_TOKEN_TTL_SECONDS = 86_400
/** The request log keeps the most recent entries only. */
export const REQUEST_LOG_LIMIT = 10_000

/** Everything one sandbox holds; the server, the resolvers and the admin surface share it. */
export interface SandboxCore {
  store: SandboxStore
  clock: SandboxClock
  tokens: Tokens
  faults: Faults
  counters: Record<OperationName, number>
  log: RequestLogEntry[]
  account: Account
  fixtures: SandboxFixtures
  options: SandboxOptions
  /** How the sandbox reads the points where Sparkfly's descriptions disagree (profile + overrides). */
  readings: SandboxReadings
  /** The store as seeded, for reset(). */
  seeded: StoreSnapshot
}

export const zeroCounters = (): Record<OperationName, number> =>
  Object.fromEntries(OPERATIONS.map((name) => [name, 0])) as Record<OperationName, number>

export function createCore(options: SandboxOptions): SandboxCore {
  const readings = sandboxReadings(options.profile, options.readings)
  const clock = createClock({ now: options.now, frozen: options.freezeClock })
  const store = new SandboxStore()
  const account = store.addAccount(
    options.account?.identity ?? accountIdentity(),
    options.account?.key ?? accountKey(),
  )
  const fixtures = options.seed === false ? emptyFixtures() : seedFixtures(store, iso(clock.now()))
  for (const campaign of options.campaigns ?? []) {
    const status = campaign.status ?? CampaignStatus.Active
    if (status !== CampaignStatus.Active && status !== CampaignStatus.Suspended) {
      throw new RangeError('campaigns[].status must be "active" or "suspended"')
    }
    store.addCampaign({
      status,
      offerName: campaign.offerName ?? `Offer of ${campaign.xid ?? 'campaign'}`,
      xid: campaign.xid,
    })
  }
  return {
    store,
    clock,
    tokens: new Tokens(options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS),
    faults: new Faults({
      faults: options.faults,
      latency: options.latency,
      rateLimitPerSecond: options.rateLimitPerSecond,
    }),
    counters: zeroCounters(),
    log: [],
    account,
    fixtures,
    options,
    readings,
    seeded: store.snapshot(),
  }
}

export function record(core: SandboxCore, entry: RequestLogEntry): void {
  core.log.push(entry)
  if (core.log.length > REQUEST_LOG_LIMIT) core.log.splice(0, core.log.length - REQUEST_LOG_LIMIT)
}
