import * as z from '../validation/zod'

/** The sweep's invocation input after validation. */
export interface SweepRequest {
  dryRun: boolean
  /** Set only on the local stage, from `{"now": "<ISO>"}` (the sandbox clock). */
  now?: Date
}

/** Raised for an invocation payload the sweep refuses; the message says what to change. */
export class SweepRequestError extends Error {
  override name = 'SweepRequestError'
}

// EventBridge scheduled events carry their own fields (detail-type, time, ...): only ours are read.
const schema = z.looseObject({
  dryRun: z.optional(z.boolean()),
  now: z.optional(z.iso.datetime({ offset: true })),
})

/**
 * Reads the sweep's input: an EventBridge "Scheduled Event" (a real run) or a manual invocation
 * `{"dryRun": true}`. `{"now": "<ISO>"}` moves the sweep's clock and is accepted only when `stage` is `local`
 * (where the Sparkfly sandbox has its own clock); elsewhere it is refused.
 *
 * @example
 * parseSweepRequest({ dryRun: true }, 'prod') // { dryRun: true }
 */
export function parseSweepRequest(event: unknown, stage: string): SweepRequest {
  const parsed = schema.safeParse(event ?? {})
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`)
    throw new SweepRequestError(`Invalid sweep invocation: ${fields.join('; ')}`)
  }
  const { dryRun, now } = parsed.data
  if (now !== undefined && stage !== 'local') {
    throw new SweepRequestError(`"now" is accepted only on the local stage (this is "${stage}")`)
  }
  return { dryRun: dryRun === true, ...(now !== undefined ? { now: new Date(now) } : {}) }
}
