/**
 * Resolvers of the report and activity operations: GET /reports/offer_activity (the account's offer activity in a
 * window of at most one day, streamed as a JSON array) and GET /activities/offers?member_id (one member's offer
 * activities, paged). Both read the rows of `activity.ts`.
 */
import { type ActivityRow, ActivityType, activityLog } from '../activity'
import { type Input, queryInput, type Reply, type RequestContext } from '../context'
import { invalid } from '../errors'
import { paginate } from '../serialize'

const DAY_MS = 86_400_000
const PAIRS = [
  ['from_reported_datetime', 'to_reported_datetime'],
  ['from_processed_datetime', 'to_processed_datetime'],
  ['from_business_date', 'to_business_date'],
] as const

/** The window of the first date pair given (reported, processed, business: the spec's priority). */
function reportWindow(input: Input): { from: number; to: number; businessDate: boolean } | undefined {
  const index = PAIRS.findIndex(([from, to]) => input.has(from) || input.has(to))
  if (index < 0) {
    input.errors.add('from_reported_datetime', 'one pair of dates is required')
    return undefined
  }
  const [fromField, toField] = PAIRS[index] as (typeof PAIRS)[number]
  const from = input.time(fromField)
  const to = input.time(toField)
  if (!input.has(fromField) || !input.has(toField))
    input.errors.add(toField, `must be given with ${fromField}`)
  if (from === undefined || to === undefined) return undefined
  const span = Date.parse(to) - Date.parse(from)
  const businessDate = index === 2
  if (span < 0 || (!businessDate && span === 0)) input.errors.add(toField, `must be after ${fromField}`)
  else if (span > DAY_MS) input.errors.add(toField, 'the window must not exceed 1 day')
  return { from: Date.parse(from), to: Date.parse(to), businessDate }
}

/** The channel of channel_id, else of channel_name; both missing: 400. */
function reportChannel(ctx: RequestContext, input: Input): number | undefined {
  const id = input.int('channel_id')
  if (id !== undefined) return id
  const name = input.string('channel_name')
  if (name === undefined) {
    input.errors.add('channel_id', "can't be blank when channel_name is absent")
    return undefined
  }
  const found = ctx.store.dump().channels.find((c) => c.name === name)
  if (!found) input.errors.add('channel_name', 'does not name a channel')
  return found?.id
}

type RowFilter = (row: ActivityRow) => boolean

/** Every filter of the report's query; throws the 400 of everything wrong. */
function reportFilter(ctx: RequestContext): RowFilter {
  const input = queryInput(ctx.query)
  const window = reportWindow(input)
  const channel = reportChannel(ctx, input)
  const type = input.string('type')
  if (type !== undefined && !Object.values(ActivityType).includes(type as ActivityType))
    input.errors.add('type', `must be one of ${Object.values(ActivityType).join(', ')}`)
  const offerId = input.int('offer_id')
  const campaignXid = input.string('campaign_xid')
  const code = input.string('credential_identifier')
  input.done()
  const { from, to, businessDate } = window as NonNullable<typeof window>
  const inWindow = (at: string) => {
    const time = businessDate ? Date.parse(`${at.slice(0, 10)}T00:00:00Z`) : Date.parse(at)
    return businessDate ? time >= from && time <= to : time >= from && time < to
  }
  return (row) =>
    inWindow(row.at) &&
    // Sandbox simplification: activity of offers issued without a channel is reported under every channel.
    (row.channelId === null || row.channelId === channel) &&
    (type === undefined || row.type === type) &&
    (offerId === undefined || row.offerId === offerId) &&
    (campaignXid === undefined || row.campaignXid === campaignXid) &&
    (code === undefined || row.credentialIdentifier === code)
}

/** The wire shape of a report row (platform spec `offer_activity_report`). */
export function reportRow(row: ActivityRow) {
  return {
    id: row.id,
    credential_identifier: row.credentialIdentifier,
    reported_at: row.at,
    processed_at: row.at,
    business_date: `${row.at.slice(0, 10)}T00:00:00Z`,
    type: row.type,
    offer_id: row.offerId,
    channel_id: row.channelId,
    member: row.memberId === null ? null : { id: String(row.memberId), identifier: row.memberIdentifier },
    offer_state:
      row.offerStateId === null ? null : { id: String(row.offerStateId), external_ref_id: row.externalRefId },
  }
}

/** The report's body, row by row; cut in the middle of a row when the truncate fault is armed. */
function* reportChunks(rows: readonly ActivityRow[], cutAfter: number | undefined): Generator<string> {
  yield '['
  for (const [index, row] of rows.entries()) {
    const text = `${index === 0 ? '' : ','}${JSON.stringify(reportRow(row))}`
    if (index === cutAfter) {
      // Sparkfly keeps the 200 and ends the output where the error happened.
      yield text.slice(0, Math.ceil(text.length / 2))
      return
    }
    yield text
  }
  yield ']'
}

/** reports.offerActivity: GET /reports/offer_activity -> 200, a JSON array streamed row by row. */
export function offerActivityReport(ctx: RequestContext): Reply {
  const filter = reportFilter(ctx)
  const log = activityLog(ctx.store)
  const rows = log.rows.filter(filter)
  const cutAfter = log.truncateNext?.afterRows
  log.truncateNext = undefined
  return { status: 200, stream: reportChunks(rows, cutAfter) }
}

/** activities.offers: GET /activities/offers?member_id -> 200, the member's activity rows, paged. */
export function memberActivities(ctx: RequestContext): Reply {
  const input = queryInput(ctx.query)
  const memberId = input.int('member_id', true)
  const { page, perPage } = input.pagination()
  input.done()
  if (!ctx.store.member(memberId ?? -1)) throw invalid({ member_id: ['does not exist'] })
  const rows = activityLog(ctx.store).rows.filter((row) => row.memberId === memberId)
  const result = paginate(rows, page, perPage)
  const collection = result.items.map((row) => ({
    offer_activity: {
      id: row.id,
      credential_id: row.credentialId,
      member_id: row.memberId,
      offer_id: row.offerId,
      // The numeric codes of activity_type are not published: the sandbox sends none, and the type as description.
      activity_type: null,
      description: row.type,
      reported_at: row.at,
      processed_at: row.at,
      created_at: row.at,
      updated_at: row.at,
    },
  }))
  return { status: 200, body: { ...result.page, collection } }
}
