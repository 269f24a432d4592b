import { logMetrics } from '@aws-lambda-powertools/metrics/middleware'
import type { MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import { appContext } from '../../app/context'
import { voidingDeps } from '../../app/voiding'
import { requireSetting } from '../../config'
import { LedgerConflictError } from '../../ledger/errors'
import { metrics } from '../../observability'
import { callFailure } from '../../offers'
import {
  describeIssues,
  type FieldIssue,
  offerView,
  parseStaffVoid,
  StaffTargetKind,
  type VoidActor,
  VoidConflict,
  VoidConflictError,
  type VoidDeps,
  VoidLimits,
  VoidNotFoundError,
  type VoidTarget,
  voidOffer,
} from '../../voiding'
import { HttpProblem } from '../errors'
import { answerMetrics, type HttpEvent, type HttpResult, json } from '../http'
import { httpIdempotency, fingerprint as sha256 } from '../idempotency'

/** The staff API's routes (API Gateway route keys), one per kind of target. */
export const StaffVoidRoute = {
  offerState: 'POST /staff/offer-states/{offerStateId}/void',
  credential: 'POST /staff/credentials/{credentialId}/void',
  code: 'POST /staff/codes/{code}/void',
} as const
export type StaffVoidRoute = (typeof StaffVoidRoute)[keyof typeof StaffVoidRoute]

const ROUTES = [
  {
    route: StaffVoidRoute.offerState,
    kind: StaffTargetKind.offerState,
    path: /\/staff\/offer-states\/([^/]+)\/void\/?$/,
  },
  {
    route: StaffVoidRoute.credential,
    kind: StaffTargetKind.credential,
    path: /\/staff\/credentials\/([^/]+)\/void\/?$/,
  },
  { route: StaffVoidRoute.code, kind: StaffTargetKind.code, path: /\/staff\/codes\/([^/]+)\/void\/?$/ },
] as const

/** A validated staff void request. */
export interface StaffVoidRequest {
  route: StaffVoidRoute
  target: VoidTarget
  reason: string
}

interface JwtRequestContext {
  requestId?: string
  authorizer?: { jwt?: { claims?: Record<string, unknown>; scopes?: unknown } }
}

/** The staff member's identity: the `sub` claim the API Gateway JWT authorizer verified, if any. */
export function staffSubject(event: Pick<HttpEvent, 'requestContext'>): string | undefined {
  const sub = (event.requestContext as JwtRequestContext | undefined)?.authorizer?.jwt?.claims?.sub
  return typeof sub === 'string' && sub.trim() !== '' ? sub : undefined
}

const unauthorized = () =>
  new HttpProblem(
    401,
    'Unauthorized',
    'A staff bearer token (JWT) is required to void offers.',
    {},
    { 'www-authenticate': 'Bearer' },
  )

/**
 * Defence in depth behind the API Gateway JWT authorizer: refuses (401) a request that carries no verified subject,
 * before its body is even parsed.
 */
export function requireStaffIdentity(): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      if (!staffSubject(request.event)) throw unauthorized()
    },
  }
}

/**
 * The scopes of the verified staff token: `jwt.scopes` as API Gateway passes them, else the `scope` (space-separated)
 * or `scp` claim (API Gateway renders a list claim as `[a b]`).
 */
export function staffScopes(event: Pick<HttpEvent, 'requestContext'>): string[] {
  const jwt = (event.requestContext as JwtRequestContext | undefined)?.authorizer?.jwt
  const listed = Array.isArray(jwt?.scopes)
    ? jwt.scopes.filter((s): s is string => typeof s === 'string')
    : []
  if (listed.length > 0) return listed
  const claim = jwt?.claims?.scope ?? jwt?.claims?.scp
  if (typeof claim !== 'string') return []
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter((scope) => scope.length > 0)
}

const forbidden = (allowed: readonly string[]) =>
  new HttpProblem(
    403,
    'Forbidden',
    `The staff token does not carry a scope that allows voiding offers (${allowed.join(' or ')}).`,
    { reason: 'insufficient_scope' },
    { 'www-authenticate': `Bearer error="insufficient_scope", scope="${allowed.join(' ')}"` },
  )

/**
 * Defence in depth behind the authorizer's scope check: refuses (403) a request whose verified token carries none of
 * `allowed()` (`STAFF_VOID_SCOPES`), before its body is even parsed.
 *
 * @example
 * httpHandler(fn, { beforeParse: [requireStaffIdentity(), requireStaffScope(() => ['offers:void'])] })
 */
export function requireStaffScope(allowed: () => readonly string[]): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      const wanted = allowed()
      const held = staffScopes(request.event)
      if (!wanted.some((scope) => held.includes(scope))) throw forbidden(wanted)
    },
  }
}

/**
 * Counts the staff API's answers as EMF metrics: `OffersVoided` (200), `StaffVoidsRefused` (4xx) and
 * `StaffVoidServerErrors` (5xx, alarmed). Register it before the other steps; `logMetrics` flushes them.
 */
export function staffVoidMetrics(): MiddlewareObj<HttpEvent, HttpResult> {
  return answerMetrics({ ok: 'OffersVoided', refused: 'StaffVoidsRefused', failed: 'StaffVoidServerErrors' })
}

/**
 * The steps the staff API runs before parsing a body: metrics flushed, answers counted, identity required, and one of
 * the `STAFF_VOID_SCOPES` (the authorizer's scopes, re-checked).
 */
export function staffVoidMiddlewares(): MiddlewareObj<HttpEvent, HttpResult>[] {
  return [
    logMetrics(metrics) as MiddlewareObj<HttpEvent, HttpResult>,
    staffVoidMetrics(),
    requireStaffIdentity(),
    requireStaffScope(() => appContext().config.STAFF_VOID_SCOPES),
  ]
}

const invalid = (issues: FieldIssue[]) =>
  new HttpProblem(400, 'Invalid request', `Fix these fields: ${describeIssues(issues)}.`, { errors: issues })

/** Validates route, path parameter and body; throws a 400 problem naming each field and why. */
export function parseStaffVoidRequest(event: HttpEvent<unknown>): StaffVoidRequest {
  const rawPath = event.rawPath ?? ''
  const match = ROUTES.find((r) => event.routeKey === r.route) ?? ROUTES.find((r) => r.path.test(rawPath))
  if (!match) throw new HttpProblem(404, 'Not found', `No staff route ${event.routeKey ?? rawPath}.`)
  const raw = event.pathParameters?.[match.kind] ?? decodePathSegment(match.path.exec(rawPath)?.[1])
  const parsed = parseStaffVoid(match.kind, raw, event.body)
  if (!parsed.ok) throw invalid(parsed.issues)
  return { route: match.route, ...parsed.value }
}

function decodePathSegment(segment: string | undefined): string | undefined {
  if (segment === undefined) return undefined
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** The caller's `Idempotency-Key`, validated; undefined when absent. */
export function idempotencyKeyOf(event: Pick<HttpEvent, 'headers'>): string | undefined {
  const key = event.headers?.['idempotency-key']
  if (key === undefined) return undefined
  if (key.length === 0 || key.length > VoidLimits.idempotencyKeyMaxLength || !/^[\x20-\x7e]+$/.test(key)) {
    throw invalid([
      {
        field: 'Idempotency-Key',
        message: `must be 1 to ${VoidLimits.idempotencyKeyMaxLength} printable ASCII characters`,
      },
    ])
  }
  return key
}

const CONFLICT_TITLES = {
  [VoidConflict.alreadyVoided]: 'Offer already voided',
  [VoidConflict.alreadyRedeemed]: 'Offer already redeemed',
  [VoidConflict.expired]: 'Offer expired',
  [VoidConflict.noMember]: 'Offer cannot be voided',
} as const

/**
 * Maps voiding's errors to the caller's answer: not found -> 404, any conflict with the offer's state -> 409 with the
 * current state in `offer`, a 409 from Sparkfly that is not about the offer's state (e.g. locked for processing) ->
 * 409 "busy". Other Sparkfly failures are left to the HTTP chain (502, or 503 with Retry-After).
 */
export function voidProblem(error: unknown): unknown {
  if (error instanceof VoidNotFoundError) return new HttpProblem(404, 'Offer not found', error.message)
  if (error instanceof VoidConflictError) {
    return new HttpProblem(409, CONFLICT_TITLES[error.conflict], error.message, {
      conflict: error.conflict,
      offer: error.offer,
    })
  }
  if (error instanceof LedgerConflictError && error.current) {
    return new HttpProblem(409, 'Offer changed', error.message, { offer: offerView(error.current) })
  }
  if (callFailure(error)?.status === 409) {
    // The port answers "already voided / redeemed" as outcomes: what is left is a passing state of Sparkfly's.
    return new HttpProblem(
      409,
      'Offer busy in Sparkfly',
      "Sparkfly refused the void because of the offer's current state. Retry shortly; escalate if it persists.",
      { conflict: 'other' },
    )
  }
  return error
}

/** The adapters a staff void needs. */
export interface StaffVoidDeps {
  voiding: VoidDeps
  /** `httpIdempotency({ scope: 'staff-void' })`. */
  idempotency: {
    run(key: string, rawBody: string, context: Context, work: () => Promise<HttpResult>): Promise<HttpResult>
  }
}

/**
 * Serves one staff void request: identity (401), validation (400), then {@link voidOffer} under the caller's
 * `Idempotency-Key` when one is sent (keyed by subject + route + key; the same key with another request -> 422).
 * Answers 200 with the voided offer.
 */
export async function handleStaffVoid(
  event: HttpEvent<unknown>,
  context: Context,
  deps: StaffVoidDeps,
): Promise<HttpResult> {
  const subject = staffSubject(event)
  if (!subject) throw unauthorized()
  const request = parseStaffVoidRequest(event)
  const key = idempotencyKeyOf(event)
  // The fingerprint is the validated request (path and body), so formatting differences do not count as a change.
  const fingerprint = JSON.stringify({ target: request.target, reason: request.reason })
  const actor: VoidActor = {
    changedBy: subject,
    requestId: (event.requestContext as JwtRequestContext | undefined)?.requestId ?? context.awsRequestId,
    // The same request across retries: by its Idempotency-Key when it has one, else by who, what and why.
    requestKey: sha256(
      key === undefined ? `request\n${subject}\n${fingerprint}` : `key\n${subject}\n${request.route}\n${key}`,
    ),
  }
  const work = async () => {
    try {
      const { offer } = await voidOffer(request.target, request.reason, actor, deps.voiding)
      return json(200, offer)
    } catch (error) {
      throw voidProblem(error)
    }
  }
  if (key === undefined) return work()
  return deps.idempotency.run(`${subject}\n${request.route}\n${key}`, fingerprint, context, work)
}

let idempotency: StaffVoidDeps['idempotency'] | undefined

/** The staff API's adapters from the container's context; the idempotency store is built once per container. */
export function staffVoidDeps(): StaffVoidDeps {
  const app = appContext()
  idempotency ??= httpIdempotency({
    tableName: requireSetting(app.config, 'IDEMPOTENCY_TABLE'),
    scope: 'staff-void',
  })
  return { voiding: voidingDeps(app), idempotency }
}
