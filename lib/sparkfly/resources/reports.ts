import type { RequestOptions, SparkflyRequester } from '../request'
import { type OperationCaller, operationCaller } from '../resource'
import type { SparkflyId } from '../validation'
import type { MemberActivities, OfferActivityQuery, OfferActivityRow } from './reportSchemas'

export type { MemberActivities, OfferActivityQuery, OfferActivityRow } from './reportSchemas'
export { OfferActivityType, REPORT_MAX_WINDOW_MS } from './reportSchemas'

/**
 * `client.reports`: what Sparkfly says happened to the account's offers.
 *
 * @example
 * ```ts
 * const rows = await client.reports.offerActivity({
 *   from_reported_datetime: '2026-11-23T00:00:00Z', to_reported_datetime: '2026-11-23T01:00:00Z', channel_id: 7,
 * })
 * for await (const row of rows) console.log(row.type, row.offer_state?.id)
 * ```
 */
export class ReportsResource {
  private readonly call: OperationCaller

  constructor(request: SparkflyRequester) {
    this.call = operationCaller(request)
  }

  /**
   * GET /reports/offer_activity: the account's offer activity in a window of at most one day (one date pair, a
   * channel). Resolves once the answer's headers arrived; the rows are read as they stream in (bounded memory).
   * Iterating throws `SparkflyReportTruncatedError` when the stream is cut: read the window again. The per-attempt
   * timeout (`options.timeoutMs`) covers reading the whole stream: give a long report a long one.
   */
  offerActivity(
    query: OfferActivityQuery,
    options?: RequestOptions,
  ): Promise<AsyncIterable<OfferActivityRow>> {
    return this.call('reports.offerActivity', { query }, options)
  }

  /** GET /activities/offers?member_id: one member's offer activities, one page (default page 1). */
  memberActivities(
    memberId: SparkflyId,
    page: { page?: number; per_page?: number } = {},
    options?: RequestOptions,
  ): Promise<MemberActivities> {
    return this.call('activities.offers', { query: { member_id: memberId, ...page } }, options)
  }
}
