import type { MiddlewareObj } from '@middy/core'
import type { HttpEvent, HttpResult } from '../edge/http'
import { toProblem } from '../edge/problem'
import { MetricUnit, metrics } from '../observability'

/** Names of the per-answer metrics of the POS webhook (one per status class). */
export const RedemptionAnswerMetric = {
  ok: 'RedemptionAnswers2xx',
  refused: 'RedemptionAnswers4xx',
  failed: 'RedemptionAnswers5xx',
} as const

/**
 * Counts every answer of the POS webhook, replays and refusals included, as `RedemptionAnswers2xx` / `4xx` / `5xx`
 * (5xx: Sparkfly failing or unreachable, or an internal error; alarmed). Register it after `logMetrics`, which
 * flushes them.
 */
export function redemptionAnswerMetrics(): MiddlewareObj<HttpEvent, HttpResult> {
  const count = (status: number) =>
    metrics.addMetric(
      status < 300
        ? RedemptionAnswerMetric.ok
        : status < 500
          ? RedemptionAnswerMetric.refused
          : RedemptionAnswerMetric.failed,
      MetricUnit.Count,
      1,
    )
  return {
    after: (request) => {
      if (request.response) count(request.response.statusCode)
    },
    onError: (request) => {
      count(toProblem(request.error).status)
    },
  }
}
