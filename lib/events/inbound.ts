import { PermanentError } from '../errors'
import * as z from '../validation/zod'

const isoDate = z.iso.datetime({ offset: true })
const nonEmpty = (max?: number) =>
  max === undefined ? z.string().check(z.minLength(1)) : z.string().check(z.minLength(1), z.maxLength(max))

const memberSchema = z.union([
  z.looseObject({ id: z.union([z.int().check(z.positive()), z.string().check(z.regex(/^[1-9]\d{0,18}$/))]) }),
  z.looseObject({ identifier: nonEmpty(256) }),
])

const payloadSchema = z.looseObject({
  member: memberSchema,
  activatesAt: z.optional(isoDate),
  expiresAt: z.optional(isoDate),
})

const cloudEventSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: nonEmpty(256),
  source: nonEmpty(),
  type: nonEmpty(),
  time: z.optional(isoDate),
  data: payloadSchema,
})

const eventBridgeSchema = z.looseObject({
  id: nonEmpty(256),
  source: nonEmpty(),
  'detail-type': nonEmpty(),
  time: z.optional(isoDate),
  detail: payloadSchema,
})

/** A loyalty event, whichever envelope it arrived in. */
export interface LoyaltyEvent {
  id: string
  source: string
  type: string
  time?: string
  envelope: 'cloudevents' | 'eventbridge'
  member: { id?: string; identifier?: string }
  activatesAt?: string
  expiresAt?: string
  data: Record<string, unknown>
}

const describe = (error: z.core.$ZodError) =>
  error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')

/**
 * Parses an SQS message body holding a loyalty event in CloudEvents 1.0 structured mode or an EventBridge
 * envelope. Throws {@link PermanentError} (`malformed_json` or `invalid_event`) naming what was wrong.
 *
 * @example
 * const event = parseLoyaltyEvent(record.body) // { id, type, member: { id: '123' }, ... }
 */
export function parseLoyaltyEvent(body: string): LoyaltyEvent {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    throw new PermanentError('malformed_json', 'Message body is not valid JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new PermanentError('invalid_event', 'Message body must be a JSON object')
  }
  const isCloudEvent = 'specversion' in json
  if (isCloudEvent) {
    const parsed = cloudEventSchema.safeParse(json)
    if (!parsed.success)
      throw new PermanentError('invalid_event', `Invalid CloudEvent: ${describe(parsed.error)}`)
    const { data } = parsed.data
    return normalize(
      parsed.data.id,
      parsed.data.source,
      parsed.data.type,
      parsed.data.time,
      'cloudevents',
      data,
    )
  }
  if ('detail-type' in json || 'detail' in json) {
    const parsed = eventBridgeSchema.safeParse(json)
    if (!parsed.success)
      throw new PermanentError('invalid_event', `Invalid EventBridge event: ${describe(parsed.error)}`)
    const event = parsed.data
    return normalize(event.id, event.source, event['detail-type'], event.time, 'eventbridge', event.detail)
  }
  throw new PermanentError(
    'invalid_event',
    'Message is neither a CloudEvents 1.0 event (specversion) nor an EventBridge event (detail-type)',
  )
}

function normalize(
  id: string,
  source: string,
  type: string,
  time: string | undefined,
  envelope: LoyaltyEvent['envelope'],
  data: z.infer<typeof payloadSchema>,
): LoyaltyEvent {
  const member =
    'id' in data.member ? { id: String(data.member.id) } : { identifier: String(data.member.identifier) }
  return {
    id,
    source,
    type,
    envelope,
    member,
    data,
    ...(time ? { time } : {}),
    ...(data.activatesAt ? { activatesAt: data.activatesAt } : {}),
    ...(data.expiresAt ? { expiresAt: data.expiresAt } : {}),
  }
}
