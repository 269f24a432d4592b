/**
 * Where Sparkfly's two published OpenAPI descriptions disagree (or one leaves a behaviour open), the sandbox
 * answers one way, chosen at start: a profile per description (`platform`, `offer-states`), each a preset of
 * readings that single options can override. The default profile, `platform`, takes the stricter reading
 * of every disagreement. docs/sparkfly/fidelity.md lists every point and the reading of each profile.
 */

/** The named presets. */
export const SandboxProfile = {
  /** The platform description (v1.0.23) where it documents the operation, and the stricter readings. */
  platform: 'platform',
  /** The offer-states-and-members description where it documents the operation, and its looser readings. */
  offerStates: 'offer-states',
} as const
export type SandboxProfile = (typeof SandboxProfile)[keyof typeof SandboxProfile]

/** One reading per point where the descriptions disagree. */
export interface SandboxReadings {
  /**
   * GET /members/offer_states: a page of offer states, empty when nothing matches (`page`, platform), or the
   * first match as one `offer_state` and 404 when nothing matches (`offer_state`, offer-states).
   */
  query: 'page' | 'offer_state'
  /**
   * POST /members/{member_id}/offer_states/{id} (an update through a POST): only an `offer_state_update`
   * whose status is "redeemed" redeems (`body`), or any POST redeems (`any`).
   */
  redeem: 'body' | 'any'
  /** Success status of POST /credentials: 201 (platform) or 200 (offer-states). */
  credentialCreated: 200 | 201
  /**
   * Status of a refused POST /credentials: 400 with `{error, message}` (platform) or 422 (offer-states, no body
   * documented; the same `{error, message}` is sent).
   */
  credentialRefused: 400 | 422
  /** `annotations` of a credential answer: JSON text (`string`, platform) or an object (`object`, offer-states). */
  annotations: 'string' | 'object'
  /** GET /members/{member_id}/offer_states needs `channel_id` (platform: required) or takes none (offer-states). */
  listNeedsChannel: boolean
  /**
   * /auth method: GET (platform), POST (offer-states), or `either`. Every profile answers `either` until the
   * client's method fallback lands; set it to test a client against one method (the other answers 405).
   */
  authMethod: 'GET' | 'POST' | 'either'
}

const PRESETS: Record<SandboxProfile, SandboxReadings> = {
  platform: {
    query: 'page',
    redeem: 'body',
    credentialCreated: 201,
    credentialRefused: 400,
    annotations: 'string',
    listNeedsChannel: true,
    authMethod: 'either',
  },
  'offer-states': {
    query: 'offer_state',
    redeem: 'any',
    credentialCreated: 200,
    credentialRefused: 422,
    annotations: 'object',
    listNeedsChannel: false,
    authMethod: 'either',
  },
}

/** Every profile, for tests that run once per profile. */
export const SANDBOX_PROFILES: readonly SandboxProfile[] = Object.values(SandboxProfile)

/** The readings of `profile` (default `platform`) with `overrides` applied; throws on an unknown profile. */
export function sandboxReadings(
  profile: SandboxProfile = SandboxProfile.platform,
  overrides: Partial<SandboxReadings> = {},
): SandboxReadings {
  const preset = PRESETS[profile]
  if (!preset) throw new RangeError(`profile must be one of ${SANDBOX_PROFILES.join(', ')}`)
  return { ...preset, ...overrides }
}
