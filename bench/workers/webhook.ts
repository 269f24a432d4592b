/**
 * Bench worker (bundled like a function, run with plain node): the redeem-webhook handler, invoked directly with
 * signed API Gateway v2 events, and the bare Sparkfly redeem call through the project's client for comparison.
 */

import { randomUUID } from 'node:crypto'
import { subscribe } from 'node:diagnostics_channel'
import { performance } from 'node:perf_hooks'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { handler } from '../../functions/redeem-webhook'
import { sparkflyClientConfig } from '../../lib/app/context'
import { createSecretReader } from '../../lib/aws/secrets'
import { getConfig } from '../../lib/config'
import { createSparkflyClient, type SparkflyClient } from '../../lib/sparkfly'
import { lambdaContext } from '../../test/support/events'
import { signedRedemption } from '../support/events'
import { serve } from '../support/ipc'
import type { IssuedForBench } from '../support/servers'

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<{ statusCode: number }>
const webhook = handler as unknown as HttpHandler

const secret = process.env.BENCH_WEBHOOK_SECRET ?? ''

/**
 * Time spent waiting on AWS (DynamoDB, SQS, Secrets Manager): the SDK's requests go through node:http, whose
 * diagnostics channels mark each request's start and its response; requests to Sparkfly's host are left out.
 */
const aws = { ms: 0, calls: 0, started: new WeakMap<object, number>() }
const sparkflyHost = new URL(process.env.SPARKFLY_BASE_URL ?? 'http://sparkfly.invalid').host
subscribe('http.client.request.start', (message) => {
  const request = (message as { request: { host?: string; getHeader(name: string): unknown } }).request
  // The Sparkfly client uses node:http too: only the AWS SDK's requests are AWS waits.
  if (String(request.getHeader('host') ?? request.host) === sparkflyHost) return
  aws.started.set(request, performance.now())
})
subscribe('http.client.response.finish', (message) => {
  const started = aws.started.get((message as { request: object }).request)
  if (started === undefined) return
  aws.ms += performance.now() - started
  aws.calls += 1
})
let bareClient: SparkflyClient | undefined

/** The bare call: the project's client, its own secret cache, warm after the first call. */
const bare = () => {
  bareClient ??= createSparkflyClient({
    ...sparkflyClientConfig(getConfig()),
    secretReader: createSecretReader(),
  })
  return bareClient
}

async function redeemThroughHandler(offer: IssuedForBench) {
  const event = signedRedemption({ code: offer.code, transactionId: `bench-${randomUUID()}` }, secret)
  const context = lambdaContext({ functionName: 'redeemWebhook' })
  aws.ms = 0
  aws.calls = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  const response = await webhook(event, context)
  const ms = performance.now() - start
  const used = process.cpuUsage(cpu)
  if (response.statusCode !== 200) throw new Error(`webhook answered ${response.statusCode}`)
  return { ms, awsMs: aws.ms, awsCalls: aws.calls, cpuMs: (used.user + used.system) / 1000 }
}

async function redeemBare(offer: IssuedForBench): Promise<number> {
  const client = bare()
  const start = performance.now()
  await client.offerStates.redeem(offer.memberId, offer.id)
  return performance.now() - start
}

serve({
  /**
   * For each pair, one redemption through the handler and one bare redeem call, on two fresh offer states; the order
   * alternates so neither side always runs on a just-used connection.
   */
  async latency({ pairs }: { pairs: { handler: IssuedForBench; bare: IssuedForBench }[] }) {
    const handlerMs: number[] = []
    const awsMs: number[] = []
    const awsCalls: number[] = []
    const cpuMs: number[] = []
    const bareMs: number[] = []
    const viaHandler = async (offer: IssuedForBench) => {
      const run = await redeemThroughHandler(offer)
      handlerMs.push(run.ms)
      awsMs.push(run.awsMs)
      awsCalls.push(run.awsCalls)
      cpuMs.push(run.cpuMs)
    }
    for (const [index, pair] of pairs.entries()) {
      if (index % 2 === 0) {
        await viaHandler(pair.handler)
        bareMs.push(await redeemBare(pair.bare))
      } else {
        bareMs.push(await redeemBare(pair.bare))
        await viaHandler(pair.handler)
      }
    }
    return { handlerMs, bareMs, awsMs, awsCalls, cpuMs }
  },

  /** One redemption through the handler, nothing else (the AWS calls of one request are counted around it). */
  async redeemOne({ offer }: { offer: IssuedForBench }) {
    return (await redeemThroughHandler(offer)).ms
  },

  /** One request per offer, all at once, as this process's first invocations. */
  async concurrentCold({ offers }: { offers: IssuedForBench[] }) {
    const statuses = await Promise.all(
      offers.map((offer) =>
        webhook(
          signedRedemption({ code: offer.code, transactionId: `bench-${randomUUID()}` }, secret),
          lambdaContext({ functionName: 'redeemWebhook' }),
        ).then((r) => r.statusCode),
      ),
    )
    return { failures: statuses.filter((s) => s !== 200).length, statuses: [...new Set(statuses)] }
  },
})
