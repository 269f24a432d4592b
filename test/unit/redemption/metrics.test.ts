import { afterEach, describe, expect, it, vi } from 'vitest'
import { HttpProblem } from '../../../lib/edge/errors'
import { type HttpResult, httpHandler, json } from '../../../lib/edge/http'
import { RedemptionAnswerMetric, redemptionAnswerMetrics } from '../../../lib/edge/redemption'
import { logger, metrics } from '../../../lib/observability'
import { lambdaContext } from '../../support/events'
import { httpApiEvent } from '../webhooks/helpers'

/** The answer metrics counted while `fn` answers one request through the HTTP chain. */
async function counted(fn: () => Promise<HttpResult>, body = '{}'): Promise<string[]> {
  const names: string[] = []
  const spy = vi.spyOn(metrics, 'addMetric').mockImplementation((name) => {
    names.push(name)
    return metrics
  })
  const handler = httpHandler(fn, { maxBodyBytes: 64, beforeParse: [redemptionAnswerMetrics()] })
  await handler(httpApiEvent({ body }) as never, lambdaContext())
  spy.mockRestore()
  return names
}

describe('redemptionAnswerMetrics', () => {
  afterEach(() => vi.restoreAllMocks())

  it('counts a 200, a returned (replayed) refusal and a thrown refusal by status class', async () => {
    expect(await counted(async () => json(200, {}))).toEqual([RedemptionAnswerMetric.ok])
    expect(await counted(async () => json(409, {}))).toEqual([RedemptionAnswerMetric.refused])
    expect(
      await counted(async () => {
        throw new HttpProblem(404, 'Offer not found', 'x')
      }),
    ).toEqual([RedemptionAnswerMetric.refused])
  })

  it('counts Sparkfly trouble and crashes as 5xx, and a refusal before the handler (413) as 4xx', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined)
    expect(
      await counted(async () => {
        throw Object.assign(new Error('down'), { name: 'SparkflyTimeoutError' })
      }),
    ).toEqual([RedemptionAnswerMetric.failed])
    expect(
      await counted(async () => {
        throw new TypeError('boom')
      }),
    ).toEqual([RedemptionAnswerMetric.failed])
    expect(await counted(async () => json(200, {}), JSON.stringify({ code: 'x'.repeat(100) }))).toEqual([
      RedemptionAnswerMetric.refused,
    ])
  })
})
