import * as z from '../../validation/zod'
import { lazy, responseFields } from '../schemas'
import { args, optional } from '../validation'

/** Activity types of the offer-activity report (platform spec, `offer_activity_report.type`). */
export const OfferActivityType = {
  redeem: 'redeem',
  expire: 'expire',
  issue: 'issue',
  void: 'void',
  suspend: 'suspend',
  unsuspend: 'unsuspend',
} as const
export type OfferActivityType = (typeof OfferActivityType)[keyof typeof OfferActivityType]

/** The report accepts windows of at most one day (platform spec). */
export const REPORT_MAX_WINDOW_MS = 86_400_000

type Window = { from?: string | undefined; to?: string | undefined }

const windowError = (pair: Window): string | undefined => {
  if (pair.from === undefined && pair.to === undefined) return undefined
  if (pair.from === undefined || pair.to === undefined) return 'from and to must be given together'
  const span = Date.parse(pair.to) - Date.parse(pair.from)
  if (!(span > 0)) return 'to must be after from'
  return span > REPORT_MAX_WINDOW_MS ? 'the window must not exceed 1 day' : undefined
}

/**
 * The zod schemas of the report and activity operations (`/reports/offer_activity`, `/activities/offers`).
 * Rows are loose: unknown fields pass through. Built on first use.
 */
export const reportSchemas = lazy(() => {
  const f = responseFields()
  const reportRow = z.looseObject({
    id: f.id,
    type: z.enum(Object.values(OfferActivityType) as [OfferActivityType, ...OfferActivityType[]]),
    credential_identifier: f.optionalString,
    reported_at: f.optionalString,
    processed_at: f.optionalString,
    business_date: f.optionalString,
    offer_id: f.optionalId,
    channel_id: f.optionalId,
    member: z.nullish(z.looseObject({ id: f.optionalString, identifier: f.optionalString })),
    offer_state: z.nullish(z.looseObject({ id: f.optionalString, external_ref_id: f.optionalString })),
  })
  const reportQuery = z
    .object({
      from_reported_datetime: optional(args.date()),
      to_reported_datetime: optional(args.date()),
      from_processed_datetime: optional(args.date()),
      to_processed_datetime: optional(args.date()),
      channel_id: optional(args.idNumber()),
      channel_name: optional(args.text()),
      offer_id: optional(args.idNumber()),
      type: optional(z.enum(Object.values(OfferActivityType) as [OfferActivityType, ...OfferActivityType[]])),
      campaign_xid: optional(args.text()),
      credential_identifier: optional(args.text()),
    })
    .check(
      z.refine((q) => q.channel_id !== undefined || q.channel_name !== undefined, {
        message: 'channel_id or channel_name is required',
        path: ['channel_id'],
      }),
      z.refine((q) => q.from_reported_datetime !== undefined || q.from_processed_datetime !== undefined, {
        message: 'one pair of dates is required',
        path: ['from_reported_datetime'],
      }),
      z.refine(
        (q) =>
          windowError({ from: q.from_reported_datetime, to: q.to_reported_datetime }) === undefined &&
          windowError({ from: q.from_processed_datetime, to: q.to_processed_datetime }) === undefined,
        {
          message: 'each date pair must be complete, ordered and at most 1 day long',
          path: ['to_reported_datetime'],
        },
      ),
    )
  const memberActivity = z.looseObject({
    id: f.id,
    transaction_id: f.optionalId,
    credential_id: f.optionalId,
    member_id: f.optionalId,
    offer_id: f.optionalId,
    activity_type: f.optionalInteger,
    description: f.optionalString,
    reported_at: f.optionalString,
    processed_at: f.optionalString,
    created_at: f.optionalString,
    updated_at: f.optionalString,
  })
  return {
    reportRow,
    reportQuery,
    memberActivitiesQuery: z.object({
      member_id: args.idNumber(),
      page: optional(args.page()),
      per_page: optional(args.page()),
    }),
    memberActivities: z.looseObject({
      ...f.page,
      collection: z.array(
        z.looseObject({ offer_activity: z.nullish(memberActivity), errors: z.optional(z.unknown()) }),
      ),
    }),
  }
})

type Schemas = ReturnType<typeof reportSchemas>
/** One row of the offer-activity report. */
export type OfferActivityRow = z.output<Schemas['reportRow']>
/** Query of the offer-activity report (one date pair, a channel, optional filters). */
export type OfferActivityQuery = z.input<Schemas['reportQuery']>
/** One page of a member's offer activities. */
export type MemberActivities = z.output<Schemas['memberActivities']>
