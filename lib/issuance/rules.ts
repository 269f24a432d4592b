import { z } from 'zod'
import defaultRules from '../../rules/issuance.default.json'
import localRules from '../../rules/issuance.local.json'
import { OfferKind } from '../ledger/types'

const windowSchema = z
  .object({
    /** Minutes after the event's time at which the offer becomes redeemable (default: at once). */
    startsAfterMinutes: z.number().int().min(0).default(0),
    /** Days the offer stays redeemable. */
    validForDays: z.number().positive(),
  })
  .strict()

const offerStateIssue = z
  .object({ kind: z.literal(OfferKind.offerState), campaignId: z.string().min(1), window: windowSchema })
  .strict()

const credentialIssue = z
  .object({
    kind: z.literal(OfferKind.credential),
    offerId: z.number().int().positive(),
    channelId: z.number().int().positive(),
    storeId: z.number().int().positive().optional(),
  })
  .strict()

const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes'),
    eventType: z.string().min(1),
    description: z.string().optional(),
    issue: z.discriminatedUnion('kind', [offerStateIssue, credentialIssue]),
  })
  .strict()

const rulesFileSchema = z
  .object({
    version: z.string().min(1),
    rules: z.array(ruleSchema),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>()
    for (const rule of file.rules) {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', message: `duplicate rule id ${rule.id}` })
      seen.add(rule.id)
    }
  })

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
