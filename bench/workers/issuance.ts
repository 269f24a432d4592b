/**
 * Bench worker (bundled like a function, run with plain node): the issuance handler of functions/issue-offers.ts and
 * the naive baseline of bench/naive.ts, in one "container". Every invocation is checked: a batch with failures stops
 * the bench, since its timing would mean nothing.
 */
import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'
import { handler } from '../../functions/issue-offers'
import { lambdaContext } from '../../test/support/events'
import { naiveHandler } from '../naive'
import { benchMemberIds, birthdayBatch, type SqsHandler } from '../support/events'
import { serve } from '../support/ipc'

const handlers: Record<string, SqsHandler> = {
  optimized: handler as unknown as SqsHandler,
  naive: naiveHandler,
}
const memberIds = benchMemberIds()

async function invoke(name: string, n: number): Promise<number> {
  const run = handlers[name]
  if (!run) throw new Error(`unknown handler ${name}`)
  const event = birthdayBatch(n, memberIds)
  const context = lambdaContext({ functionName: 'issueOffers' })
  const start = performance.now()
  const result = await run(event, context)
  const ms = performance.now() - start
  if (result.batchItemFailures.length > 0) {
    throw new Error(`${name}: ${result.batchItemFailures.length} of ${n} records failed`)
  }
  return ms
}

/** One GET of a cheap sandbox admin route (never delayed) through node:http with a keep-alive agent. */
function httpGet(url: URL, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume()
      res.on('end', resolve)
    })
    req.on('error', reject)
    req.end()
  })
}

serve({
  /**
   * What one bare HTTP round trip costs this process in CPU on this machine, through node:http (keep-alive: the
   * AWS SDK's transport) and through fetch (the Sparkfly client's transport): the floor under the per-event cost.
   */
  async calibrate({ requests }: { requests: number }) {
    const url = new URL('/_sandbox/latency', process.env.SPARKFLY_BASE_URL)
    const agent = new Agent({ keepAlive: true })
    const measure = async (once: () => Promise<void>) => {
      for (let i = 0; i < 50; i++) await once()
      const before = process.cpuUsage()
      for (let i = 0; i < requests; i++) await once()
      const used = process.cpuUsage(before)
      return (used.user + used.system) / 1000 / requests
    }
    const nodeHttpMs = await measure(() => httpGet(url, agent))
    const fetchMs = await measure(() => fetch(url).then((r) => r.arrayBuffer().then(() => undefined)))
    agent.destroy()
    return { nodeHttpMs, fetchMs }
  },

  /** Wall time (ms) of `repeats` invocations, one after the other, each with a batch of `n` new events. */
  async invoke({ handler: name, n, repeats }: { handler: string; n: number; repeats: number }) {
    const times: number[] = []
    for (let i = 0; i < repeats; i++) times.push(await invoke(name, n))
    return times
  },

  /** CPU time (user + system, all threads of this process) and wall time over `batches` invocations. */
  async cpu({ batches, batchSize }: { batches: number; batchSize: number }) {
    const events = Array.from({ length: batches }, () => birthdayBatch(batchSize, memberIds))
    const run = handlers.optimized!
    const wallStart = performance.now()
    const before = process.cpuUsage()
    for (const event of events) {
      const result = await run(event, lambdaContext({ functionName: 'issueOffers' }))
      if (result.batchItemFailures.length > 0) throw new Error('cpu run: records failed')
    }
    const used = process.cpuUsage(before)
    return {
      cpuMs: (used.user + used.system) / 1000,
      wallMs: performance.now() - wallStart,
      events: batches * batchSize,
    }
  },

  /** `invocations` first invocations at once, each with a batch of one event (must be this process's first call). */
  async concurrentCold({ invocations }: { invocations: number }) {
    const results = await Promise.all(
      Array.from({ length: invocations }, () =>
        handlers.optimized!(birthdayBatch(1, memberIds), lambdaContext({ functionName: 'issueOffers' })),
      ),
    )
    return { failures: results.reduce((sum, r) => sum + r.batchItemFailures.length, 0) }
  },
})
