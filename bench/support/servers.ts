/**
 * Child process of the bench: the Sparkfly sandbox and the local AWS services (SQS, DynamoDB, Secrets Manager),
 * started with the test system and driven over IPC. They run here, not in the process that runs the handler, so the
 * handler's CPU time and memory are measured alone (and the two share the machine's two cores like a real client and
 * server would not share one event loop).
 */
import { startTestSystem } from '../../test/support/system'
import { serve } from './ipc'

/** Campaigns of rules/issuance.local.json, created in the sandbox so every local rule can issue. */
const LOCAL_CAMPAIGNS = ['local-tier-reward', 'local-free-coffee', 'local-birthday-treat']

export interface ServersInfo {
  /** Environment for the functions (endpoints, queue URLs, table names, secret ids). */
  env: Record<string, string>
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

  serve(
    {
      info: (): ServersInfo => ({
        env: system.env,
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
    { onDisconnect: () => system.stop() },
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
