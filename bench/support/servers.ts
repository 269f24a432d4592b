/**
 * Child process of the bench: the Sparkfly sandbox and the local AWS services (SQS, DynamoDB, Secrets Manager),
 * started with the test system and driven over IPC. They run here, not in the process that runs the handler, so the
 * handler's CPU time and memory are measured alone (and the two share the machine's two cores like a real client and
 * server would not share one event loop).
 */
import { startCallCounter } from '../../local/aws/callCounter'
import { startTestSystem } from '../../test/support/system'
import { BENCH } from './bench'
import { serve } from './ipc'

/** Campaigns of rules/issuance.local.json, created in the sandbox so every local rule can issue. */
const LOCAL_CAMPAIGNS = ['local-tier-reward', 'local-free-coffee', 'local-birthday-treat']

export interface ServersInfo {
  /** Environment for the functions (endpoints, queue URLs, table names, secret ids). */
  env: Record<string, string>
  /** The same, with every AWS endpoint behind the counting proxies (local/aws/callCounter.ts). */
  countedEnv: Record<string, string>
  sandboxUrl: string
  memberIds: number[]
  webhookSecrets: string[]
}

export interface IssuedForBench {
  id: string
  code: string
  memberId: string
}

async function main() {
  const system = await startTestSystem()
  for (const xid of LOCAL_CAMPAIGNS) system.sandbox.admin.createCampaign({ xid })
  const { admin } = system.sandbox
  const counter = startCallCounter({ delayMs: BENCH.countedCallDelayMs })
  const { endpoints } = system.aws
  // Queue URLs name their endpoint (the SDK sends to the queue URL's host), so every value that holds a local AWS
  // endpoint is rewritten to the proxy in front of it.
  const proxied = new Map<string, string>([
    [endpoints.sqs, await counter.proxy('sqs', endpoints.sqs)],
    [endpoints.dynamodb, await counter.proxy('dynamodb', endpoints.dynamodb)],
    [endpoints.secretsManager, await counter.proxy('secretsManager', endpoints.secretsManager)],
  ])
  const throughProxies = (value: string) =>
    [...proxied].reduce((text, [endpoint, proxy]) => text.replaceAll(endpoint, proxy), value)
  const countedEnv = Object.fromEntries(
    Object.entries(system.env).map(([key, value]) => [key, throughProxies(value)]),
  )

  serve(
    {
      info: (): ServersInfo => ({
        env: system.env,
        countedEnv,
        sandboxUrl: system.sandbox.url,
        memberIds: system.sandbox.fixtures.members.map((m) => m.id),
        webhookSecrets: system.webhookSecrets,
      }),
      setLatency: ({ fixedMs }: { fixedMs: number }) => {
        admin.setLatency(fixedMs > 0 ? { fixedMs } : {})
        return admin.faults()
      },
      resetCounters: () => {
        admin.resetCounters()
        system.aws.secretsManager.resetCounters()
        return true
      },
      resetCalls: () => {
        counter.reset()
        return true
      },
      /** The AWS calls counted at the proxies since the last resetCalls. */
      calls: () => ({ calls: counter.calls(), summary: counter.summary() }),
      counters: () => ({ sandbox: admin.counters(), secretsManager: system.aws.secretsManager.counters() }),
      /** Redeemable offer states, issued through Sparkfly's API and recorded in the ledger as issuance would. */
      issueOfferStates: async ({ count }: { count: number }): Promise<IssuedForBench[]> => {
        const issued: IssuedForBench[] = []
        for (let start = 0; start < count; start += 20) {
          const chunk = await Promise.all(
            Array.from({ length: Math.min(20, count - start) }, () => system.issueOfferState()),
          )
          for (const entry of chunk) {
            issued.push({ id: entry.id, code: entry.code ?? '', memberId: entry.memberId ?? '' })
          }
        }
        return issued
      },
      offerStateCount: () => admin.offerStates().length,
    },
    { onDisconnect: () => counter.stop().then(() => system.stop()) },
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
