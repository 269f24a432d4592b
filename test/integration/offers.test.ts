import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { OfferKind } from '../../lib/ledger/types'
import {
  callFailure,
  type IssueRequest,
  type Offer,
  type OfferRef,
  OfferStatus,
  type Offers,
  RedeemRefusal,
  sparkflyOffers,
} from '../../lib/offers'
import { createSparkflyClientWithTokenProvider, type SparkflyLogger } from '../../lib/sparkfly'
import { type FaultSpec, SANDBOX_PROFILES, type Sandbox, startSandbox } from '../../local/sandbox'

// The offers port's Sparkfly adapter against the stateful sandbox: every operation, the Offer it answers, Sparkfly's
// decisions as outcomes, and its failures as `callFailure` reads them.

let sandbox: Sandbox
let offers: Offers

const quiet: SparkflyLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
const HOUR = 3600_000

/** The port over a client of the sandbox; faults must surface as they are, so nothing is retried. */
function newOffers(options: { timeoutMs?: number } = {}): Offers {
  const client = createSparkflyClientWithTokenProvider({
    baseUrl: sandbox.url,
    logger: quiet,
    maxRetries: 0,
    ...options,
    tokenProvider: async () => {
      const answer = await fetch(`${sandbox.url}/auth`, {
        method: 'POST',
        headers: { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key },
      })
      return answer.headers.get('x-auth-token') ?? ''
    },
  })
  return sparkflyOffers(client)
}

// Once per sandbox profile: the adapter must work with either published description.
describe.each(SANDBOX_PROFILES)('in the %s profile', (profile) => {
  beforeAll(async () => {
    sandbox = await startSandbox({ quiet: true, profile })
    offers = newOffers()
  })
  afterAll(() => sandbox?.stop())
  beforeEach(() => sandbox.admin.clearFaults())

  const member = (i = 0) => sandbox.fixtures.members[i] as { id: number; identifier: string }
  const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString()
  let refs = 0
  const externalRef = () => `ext-${Date.now()}-${++refs}`

  /** An offer state written straight into the sandbox, and the port's reference to it by member id. */
  function offerState(
    options: {
      status?: 'incomplete' | 'redeemed' | 'voided'
      activatesAt?: string
      expiresAt?: string
      externalRefId?: string
      memberIndex?: number
    } = {},
  ) {
    const { memberIndex, ...fields } = options
    const os = sandbox.admin.createOfferState({
      memberId: member(memberIndex).id,
      campaignXid: sandbox.fixtures.campaigns.active.xid,
      ...fields,
    })
    const ref: OfferRef = {
      kind: OfferKind.offerState,
      id: String(os.offer_state_id),
      memberId: String(member(memberIndex).id),
    }
    return { ref, code: String(os.credential_identifier) }
  }

  /** A credential written straight into the sandbox, and the port's reference to it. */
  function credential(status?: 'open' | 'redeemed' | 'voided') {
    const c = sandbox.admin.createCredential({
      memberId: member().id,
      offerId: sandbox.fixtures.offerId,
      channelId: sandbox.fixtures.channelId,
      storeId: sandbox.fixtures.storeId,
      ...(status ? { status } : {}),
    })
    return { ref: { kind: OfferKind.credential, id: String(c.id) } as OfferRef, code: c.identifier }
  }

  const sandboxOfferState = (ref: OfferRef) => sandbox.admin.getOfferState(Number(ref.id))
  const sandboxCredential = (ref: OfferRef) => sandbox.admin.getCredential(Number(ref.id))

  /** What the port threw, read by callFailure. */
  async function failureOf(call: Promise<unknown>) {
    const error = await call.then(
      () => {
        throw new Error('expected the call to fail')
      },
      (e: unknown) => e,
    )
    return callFailure(error)
  }

  describe('sparkflyOffers.get', () => {
    it('reads a credential: open, redeemed and voided, with its fields', async () => {
      const { ref, code } = credential()

      const offer = await offers.get(ref)

      expect(offer).toMatchObject({
        kind: OfferKind.credential,
        id: ref.id,
        status: OfferStatus.open,
        code,
        memberId: String(member().id),
        offerId: String(sandbox.fixtures.offerId),
        channelId: String(sandbox.fixtures.channelId),
        storeId: String(sandbox.fixtures.storeId),
      })
      expect(offer?.createdAt).toMatch(ISO)
      expect(offer).not.toHaveProperty('redeemedAt')
      expect(offer).not.toHaveProperty('voidedAt')

      const redeemed = await offers.get(credential('redeemed').ref)
      expect(redeemed?.status).toBe(OfferStatus.redeemed)
      expect(redeemed?.redeemedAt).toMatch(ISO)
      const voided = await offers.get(credential('voided').ref)
      expect(voided?.status).toBe(OfferStatus.voided)
      expect(voided?.voidedAt).toMatch(ISO)
    })

    it('answers undefined for an unknown credential', async () => {
      expect(await offers.get({ kind: OfferKind.credential, id: '999999999' })).toBeUndefined()
    })

    it('reads an offer state by member id, with its campaign, offer, window, code and external reference', async () => {
      const activatesAt = at(-HOUR)
      const expiresAt = at(48 * HOUR)
      const externalRefId = externalRef()
      const { ref, code } = offerState({ activatesAt, expiresAt, externalRefId })

      const offer = await offers.get(ref)

      expect(offer).toMatchObject({
        kind: OfferKind.offerState,
        id: ref.id,
        status: OfferStatus.open,
        code,
        memberId: ref.memberId,
        offerId: String(sandbox.fixtures.campaigns.active.offerId),
        campaignId: sandbox.fixtures.campaigns.active.xid,
        offerName: 'Free Medium Fries',
        externalRefId,
      })
      expect(Date.parse(offer?.activatesAt ?? '')).toBe(Date.parse(activatesAt))
      expect(Date.parse(offer?.expiresAt ?? '')).toBe(Date.parse(expiresAt))
      expect(offer?.createdAt).toMatch(ISO)
    })

    it('reads redeemed and voided offer states with when it happened', async () => {
      const redeemed = await offers.get(offerState({ status: 'redeemed' }).ref)
      const voided = await offers.get(offerState({ status: 'voided' }).ref)

      expect(redeemed).toMatchObject({ status: OfferStatus.redeemed, redeemedAt: expect.stringMatching(ISO) })
      expect(voided).toMatchObject({ status: OfferStatus.voided, voidedAt: expect.stringMatching(ISO) })
    })

    it("answers undefined for an unknown offer state and for another member's", async () => {
      const { ref } = offerState()

      expect(await offers.get({ ...ref, id: '999999999' })).toBeUndefined()
      expect(await offers.get({ ...ref, memberId: String(member(1).id) })).toBeUndefined()
    })

    it('reads an offer state known by member identifier through its code, and only when the code is its own', async () => {
      const { ref, code } = offerState()
      const other = offerState()
      const byIdentifier: OfferRef = {
        kind: OfferKind.offerState,
        id: ref.id,
        memberIdentifier: member().identifier,
      }

      expect(await offers.get({ ...byIdentifier, code })).toMatchObject({ id: ref.id, code, status: 'open' })
      expect(await offers.get({ ...byIdentifier, code: other.code })).toBeUndefined()
      expect(await offers.get({ ...byIdentifier, code: 'NO-SUCH-CODE' })).toBeUndefined()
    })

    it('refuses an offer state reference without any member as an invalid argument, before calling Sparkfly', async () => {
      const { ref } = offerState()
      sandbox.admin.resetCounters()

      const failure = await failureOf(offers.get({ kind: OfferKind.offerState, id: ref.id }))

      expect(failure).toMatchObject({ reason: 'invalid_argument', retryable: false, applied: 'no' })
      expect(sandbox.admin.counters()['offerStates.get']).toBe(0)
      expect(sandbox.admin.counters()['offerStates.query']).toBe(0)
    })
  })

  describe('sparkflyOffers.findByCode', () => {
    it('finds the offer state whose credential identifier is the code; undefined for an unknown code', async () => {
      const { ref, code } = offerState()

      expect(await offers.findByCode(code)).toMatchObject({
        kind: OfferKind.offerState,
        id: ref.id,
        code,
        memberId: ref.memberId,
        status: OfferStatus.open,
      })
      expect(await offers.findByCode('NO-SUCH-CODE')).toBeUndefined()
    })
  })

  describe('sparkflyOffers.issue and findByExternalRef', () => {
    it('issues an offer state for a member id and finds it again by its external reference', async () => {
      const request: IssueRequest = {
        kind: OfferKind.offerState,
        campaignId: sandbox.fixtures.campaigns.active.xid,
        memberId: String(member().id),
        activatesAt: at(-HOUR),
        expiresAt: at(24 * HOUR),
        externalRefId: externalRef(),
      }

      const issued = await offers.issue(request)

      expect(issued).toMatchObject({
        kind: OfferKind.offerState,
        id: expect.stringMatching(/^\d+$/),
        status: OfferStatus.open,
        code: expect.any(String),
        memberId: request.memberId,
        campaignId: request.campaignId,
        externalRefId: request.externalRefId,
      })
      expect(Date.parse(issued.expiresAt ?? '')).toBe(Date.parse(request.expiresAt ?? ''))
      expect(sandboxOfferState(issued)).toMatchObject({ external_ref_id: request.externalRefId })

      const found = await offers.findByExternalRef(request)
      expect(found).toMatchObject({ id: issued.id, code: issued.code, externalRefId: request.externalRefId })
      expect(await offers.findByExternalRef({ ...request, externalRefId: externalRef() })).toBeUndefined()
    })

    it('issues an offer state for a member identifier and keeps the identifier it was asked for', async () => {
      const request: IssueRequest = {
        kind: OfferKind.offerState,
        campaignId: sandbox.fixtures.campaigns.active.xid,
        memberIdentifier: member(2).identifier,
        externalRefId: externalRef(),
      }

      const issued = await offers.issue(request)

      expect(issued).toMatchObject({
        kind: OfferKind.offerState,
        status: OfferStatus.open,
        memberIdentifier: member(2).identifier,
        externalRefId: request.externalRefId,
      })
      expect(sandboxOfferState(issued)).toMatchObject({ member_id: member(2).id })
      expect(await offers.findByExternalRef(request)).toMatchObject({ id: issued.id })
    })

    it('creates a credential with its reference in the annotations and finds it again by listing the member', async () => {
      const request: IssueRequest = {
        kind: OfferKind.credential,
        memberId: String(member(3).id),
        offerId: String(sandbox.fixtures.offerId),
        channelId: String(sandbox.fixtures.channelId),
        storeId: String(sandbox.fixtures.storeId),
        externalRefId: externalRef(),
      }

      const issued = await offers.issue(request)

      expect(issued).toMatchObject({
        kind: OfferKind.credential,
        id: expect.stringMatching(/^\d+$/),
        status: OfferStatus.open,
        code: expect.any(String),
        memberId: request.memberId,
        offerId: request.offerId,
        channelId: request.channelId,
        storeId: request.storeId,
        externalRefId: request.externalRefId,
      })
      expect(sandboxCredential(issued)).toMatchObject({
        annotations: { external_ref_id: request.externalRefId },
      })

      expect(await offers.findByExternalRef(request)).toMatchObject({
        kind: OfferKind.credential,
        id: issued.id,
        code: issued.code,
        externalRefId: request.externalRefId,
      })
      expect(await offers.findByExternalRef({ ...request, externalRefId: externalRef() })).toBeUndefined()
    })
  })

  describe('sparkflyOffers.redeem', () => {
    it('redeems an open offer state once; a second redeem is refused as already redeemed', async () => {
      const { ref } = offerState()

      const outcome = await offers.redeem(ref)

      expect(outcome).toEqual({
        outcome: 'redeemed',
        redeemedAt: expect.stringMatching(ISO),
        offerName: 'Free Medium Fries',
      })
      expect(sandboxOfferState(ref)?.status).toBe('redeemed')
      expect((await offers.get(ref))?.status).toBe(OfferStatus.redeemed)
      expect(await offers.redeem(ref)).toEqual({ outcome: 'refused', reason: RedeemRefusal.alreadyRedeemed })
    })

    it.each([
      ['voided', { status: 'voided' as const }, RedeemRefusal.voided],
      ['expired', { expiresAt: at(-HOUR) }, RedeemRefusal.expired],
      ['not yet active', { activatesAt: at(24 * HOUR) }, RedeemRefusal.notYetActive],
    ])('refuses the %s offer state with its reason, changing nothing', async (_name, options, reason) => {
      const { ref } = offerState(options)
      const before = sandboxOfferState(ref)?.status

      expect(await offers.redeem(ref)).toEqual({ outcome: 'refused', reason })
      expect(sandboxOfferState(ref)?.status).toBe(before)
    })

    it("refuses an unknown offer state and another member's as not found", async () => {
      const { ref } = offerState()

      expect(await offers.redeem({ ...ref, id: '999999999' })).toEqual({
        outcome: 'refused',
        reason: RedeemRefusal.notFound,
      })
      expect(await offers.redeem({ ...ref, memberId: String(member(1).id) })).toEqual({
        outcome: 'refused',
        reason: RedeemRefusal.notFound,
      })
      expect(sandboxOfferState(ref)?.status).toBe('incomplete')
    })

    it('redeems a credential once; redeemed, voided and unknown credentials are refused with their reasons', async () => {
      const { ref } = credential()

      expect(await offers.redeem(ref)).toMatchObject({ outcome: 'redeemed' })
      expect(sandboxCredential(ref)?.status).toBe('redeemed')
      expect(await offers.redeem(ref)).toEqual({ outcome: 'refused', reason: RedeemRefusal.alreadyRedeemed })
      expect(await offers.redeem(credential('voided').ref)).toEqual({
        outcome: 'refused',
        reason: RedeemRefusal.voided,
      })
      expect(await offers.redeem({ kind: OfferKind.credential, id: '999999999' })).toEqual({
        outcome: 'refused',
        reason: RedeemRefusal.notFound,
      })
    })
  })

  describe('sparkflyOffers.void', () => {
    it('voids an offer state by member id once; then already voided; a redeemed one is already redeemed', async () => {
      const { ref } = offerState()

      expect(await offers.void(ref)).toEqual({ outcome: 'voided' })
      expect(sandboxOfferState(ref)?.status).toBe('voided')
      expect((await offers.get(ref))?.status).toBe(OfferStatus.voided)
      expect(await offers.void(ref)).toEqual({ outcome: 'already_voided' })
      expect(await offers.void(offerState({ status: 'redeemed' }).ref)).toEqual({
        outcome: 'already_redeemed',
      })
    })

    it("answers not found for an unknown offer state and for another member's, voiding nothing", async () => {
      const { ref } = offerState()

      expect(await offers.void({ ...ref, id: '999999999' })).toEqual({ outcome: 'not_found' })
      expect(await offers.void({ ...ref, memberId: String(member(1).id) })).toEqual({ outcome: 'not_found' })
      expect(sandboxOfferState(ref)?.status).toBe('incomplete')
    })

    it('voids an offer state by member identifier through the identifier endpoint', async () => {
      const { ref } = offerState()
      const byIdentifier: OfferRef = {
        kind: OfferKind.offerState,
        id: ref.id,
        memberIdentifier: member().identifier,
      }
      sandbox.admin.resetCounters()

      expect(await offers.void(byIdentifier)).toEqual({ outcome: 'voided' })
      expect(sandboxOfferState(ref)?.status).toBe('voided')
      expect(sandbox.admin.counters()['offerStates.voidByMemberIdentifier']).toBe(1)
      expect(await offers.void(byIdentifier)).toEqual({ outcome: 'already_voided' })
      expect(await offers.void({ ...byIdentifier, memberIdentifier: 'nobody' })).toEqual({
        outcome: 'not_found',
      })
    })

    it('voids a credential and answers it voided; then already voided; redeemed and unknown ones as such', async () => {
      const { ref, code } = credential()

      const outcome = await offers.void(ref)

      expect(outcome).toMatchObject({
        outcome: 'voided',
        offer: { kind: OfferKind.credential, id: ref.id, code, status: OfferStatus.voided },
      })
      expect((outcome as { offer?: Offer }).offer?.voidedAt).toMatch(ISO)
      expect(sandboxCredential(ref)?.status).toBe('voided')
      expect(await offers.void(ref)).toEqual({ outcome: 'already_voided' })
      expect(await offers.void(credential('redeemed').ref)).toEqual({ outcome: 'already_redeemed' })
      expect(await offers.void({ kind: OfferKind.credential, id: '999999999' })).toEqual({
        outcome: 'not_found',
      })
    })
  })

  describe('sparkflyOffers failures, read by callFailure', () => {
    const fail = (failNext: NonNullable<FaultSpec['failNext']>, retryAfterSeconds = 2) =>
      sandbox.admin.setFaults({ failNext, retryAfterSeconds })

    it('a 503 on a void: retryable, unavailable, maybe applied, with the Retry-After; nothing voided', async () => {
      const { ref } = offerState()
      fail({ status: 503, operation: 'offerStates.void' })

      const failure = await failureOf(offers.void(ref))

      expect(failure).toMatchObject({
        status: 503,
        reason: 'sparkfly_503',
        retryable: true,
        unavailable: true,
        applied: 'maybe',
        retryAfterMs: 2000,
      })
      expect(sandboxOfferState(ref)?.status).toBe('incomplete')
    })

    it('a 500 on a redeem: retryable, not "unavailable", maybe applied', async () => {
      const { ref } = credential()
      fail({ status: 500, operation: 'credentials.redeem' })

      const failure = await failureOf(offers.redeem(ref))

      expect(failure).toMatchObject({
        status: 500,
        reason: 'sparkfly_500',
        retryable: true,
        unavailable: false,
        applied: 'maybe',
      })
      expect(sandboxCredential(ref)?.status).toBe('open')
    })

    it('a 429 on a read: retryable, unavailable, not applied, with the Retry-After', async () => {
      const { code } = offerState()
      fail({ status: 429, operation: 'offerStates.query' }, 3)

      const failure = await failureOf(offers.findByCode(code))

      expect(failure).toMatchObject({
        status: 429,
        reason: 'sparkfly_429',
        retryable: true,
        unavailable: true,
        applied: 'no',
        retryAfterMs: 3000,
      })
    })

    it('a 503 on an issue: maybe applied, so the caller looks it up before repeating', async () => {
      const request: IssueRequest = {
        kind: OfferKind.offerState,
        campaignId: sandbox.fixtures.campaigns.active.xid,
        memberId: String(member().id),
        externalRefId: externalRef(),
      }
      fail({ status: 503, operation: 'offerStates.issue' })

      expect(await failureOf(offers.issue(request))).toMatchObject({
        status: 503,
        applied: 'maybe',
        retryable: true,
      })
      expect(await offers.findByExternalRef(request)).toBeUndefined()
    })

    it("a 404 on an issue for an unknown member: final, not applied, with Sparkfly's words", async () => {
      const failure = await failureOf(
        offers.issue({
          kind: OfferKind.offerState,
          campaignId: sandbox.fixtures.campaigns.active.xid,
          memberId: '999999999',
          externalRefId: externalRef(),
        }),
      )

      expect(failure).toMatchObject({
        status: 404,
        reason: 'sparkfly_404',
        retryable: false,
        unavailable: false,
        applied: 'no',
        detail: expect.stringContaining('Member not found'),
      })
    })

    it('a dropped connection on a void: retryable, unavailable, maybe applied', async () => {
      const { ref } = credential()
      // The client itself retries a reset connection once, at once: drop both attempts.
      fail({ status: 'drop', operation: 'credentials.void', count: 2 })

      expect(await failureOf(offers.void(ref))).toMatchObject({
        reason: 'sparkfly_connection',
        retryable: true,
        unavailable: true,
        applied: 'maybe',
      })
    })

    it('an answer that never comes (timeout): retryable, unavailable, maybe applied', async () => {
      const { ref } = offerState()
      fail({ status: 'hang', operation: 'offerStates.redeem' })

      const failure = await failureOf(newOffers({ timeoutMs: 300 }).redeem(ref))

      expect(failure).toMatchObject({
        reason: 'sparkfly_timeout',
        retryable: true,
        unavailable: true,
        applied: 'maybe',
      })
      expect(failure).not.toHaveProperty('status')
    })

    it("answers undefined for errors that are not Sparkfly's", () => {
      expect(callFailure(new Error('boom'))).toBeUndefined()
    })
  })
})
