/**
 * Bench worker (bundled like a function, run with plain node): only the issuance handler, so the resident memory it
 * reports is that of an issuance "container" processing events, not of the bench harness.
 */
import { handler } from '../../functions/issue-offers'
import { lambdaContext } from '../../test/support/events'
import { benchMemberIds, birthdayBatch, type SqsHandler } from '../support/events'
import { serve } from '../support/ipc'

const issuance = handler as unknown as SqsHandler
const memberIds = benchMemberIds()
const MB = 1024 * 1024

serve({
  /** `events` events in invocations of `batchSize`, one invocation at a time; RSS sampled every 10 ms. */
  async run({ events, batchSize }: { events: number; batchSize: number }) {
    const rssAtStart = process.memoryUsage.rss()
    let peak = rssAtStart
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss())
    }, 10)
    let failures = 0
    const start = Date.now()
    try {
      for (let done = 0; done < events; done += batchSize) {
        const result = await issuance(
          birthdayBatch(Math.min(batchSize, events - done), memberIds),
          lambdaContext({ functionName: 'issueOffers' }),
        )
        failures += result.batchItemFailures.length
        peak = Math.max(peak, process.memoryUsage.rss())
      }
    } finally {
      clearInterval(sampler)
    }
    return {
      failures,
      seconds: (Date.now() - start) / 1000,
      rssAtStartMb: rssAtStart / MB,
      rssAtEndMb: process.memoryUsage.rss() / MB,
      peakSampledMb: peak / MB,
      // resourceUsage().maxRSS is in kilobytes: the OS's own high-water mark of this process.
      maxRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
      heapUsedAtEndMb: process.memoryUsage().heapUsed / MB,
      heapTotalAtEndMb: process.memoryUsage().heapTotal / MB,
    }
  },
})
