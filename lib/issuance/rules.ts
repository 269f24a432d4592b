import defaultRules from '../../rules/issuance.default.json'
import localRules from '../../rules/issuance.local.json'
import { OfferKind } from '../ledger/types'
import * as z from '../validation/zod'

const positiveInt = () => z.int().check(z.positive())
const nonEmpty = () => z.string().check(z.minLength(1))

const windowSchema = z.strictObject({
  /** Minutes after the event's time at which the offer becomes redeemable (default: at once). */
  startsAfterMinutes: z._default(z.int().check(z.minimum(0)), 0),
  /** Days the offer stays redeemable. */
  validForDays: z.number().check(z.positive()),
})

const offerStateIssue = z.strictObject({
  kind: z.literal(OfferKind.offerState),
  campaignId: nonEmpty(),
  window: windowSchema,
})

const credentialIssue = z.strictObject({
  kind: z.literal(OfferKind.credential),
  offerId: positiveInt(),
  channelId: positiveInt(),
  storeId: z.optional(positiveInt()),
})

const ruleSchema = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes')),
  eventType: nonEmpty(),
  description: z.optional(z.string()),
  issue: z.discriminatedUnion('kind', [offerStateIssue, credentialIssue]),
})

const rulesFileSchema = z
  .strictObject({
    version: nonEmpty(),
    rules: z.array(ruleSchema),
  })
  .check(
    z.superRefine((file, ctx) => {
      const seen = new Set<string>()
      for (const rule of file.rules) {
        if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', message: `duplicate rule id ${rule.id}` })
        seen.add(rule.id)
      }
    }),
  )

export type IssuanceRule = z.infer<typeof ruleSchema>
export type IssuanceRules = z.infer<typeof rulesFileSchema>

/** Rule sets bundled with the functions, by name (`ISSUANCE_RULES`). */
const bundled: Record<string, unknown> = { default: defaultRules, local: localRules }

/**
 * Validates a rules document; throws naming every problem. Runs at cold start, so a bad rules file fails the
 * deployment's first invocation loudly rather than misrouting events.
 */
export function parseRules(document: unknown): IssuanceRules {
  const parsed = rulesFileSchema.safeParse(document)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new Error(`Invalid issuance rules: ${problems.join('; ')}`)
  }
  return parsed.data
}

/** The bundled rule set called `name`. */
export function loadRules(name: string): IssuanceRules {
  const document = bundled[name]
  if (!document)
    throw new Error(`Unknown issuance rules "${name}"; known: ${Object.keys(bundled).join(', ')}`)
  return parseRules(document)
}

/** The rules that apply to an event type. */
export function rulesFor(rules: IssuanceRules, eventType: string): IssuanceRule[] {
  return rules.rules.filter((rule) => rule.eventType === eventType)
}
