import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { callFailure, type Offers, sparkflyOffers } from '../../lib/offers'
import { createSparkflyClientWithTokenProvider, type SparkflyLogger } from '../../lib/sparkfly'
import { SANDBOX_PROFILES, type Sandbox, startSandbox } from '../../local/sandbox'

// The offers port's operations that issuance uses (issue, findByExternalRef), against the Sparkfly sandbox.

const quietLogger: SparkflyLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

let sandbox: Sandbox
let offers: Offers
let sequence = 0

const ref = () => `le:test:${++sequence}:${Date.now()}`
const member = (i: number) => sandbox.fixtures.members[i]!

// Once per sandbox profile: the adapter must work with either published description.
describe.each(SANDBOX_PROFILES)('in the %s profile', (profile) => {
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, quiet: true, profile })
    const minted = await fetch(`${sandbox.url}/auth`, {
      method: 'POST',
      headers: { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key },
    })
    const token = minted.headers.get('x-auth-token') ?? ''
    const client = createSparkflyClientWithTokenProvider({
      baseUrl: sandbox.url,
      tokenProvider: () => token,
      logger: quietLogger,
      retryBaseDelayMs: 10,
    })
    offers = sparkflyOffers(client)
  })
  afterAll(() => sandbox?.stop())

  describe('sparkflyOffers: offer states for issuance', () => {
    it('issues an offer state for a member id within the window asked for, and finds it again by its external reference', async () => {
      const externalRefId = ref()
      const activatesAt = '2026-03-01T00:00:00.000Z'
      const expiresAt = '2026-03-31T00:00:00.000Z'

      const issued = await offers.issue({
        kind: 'offerState',
        campaignId: sandbox.fixtures.campaigns.active.xid,
        memberId: String(member(0).id),
        activatesAt,
        expiresAt,
        externalRefId,
      })

      expect(issued).toMatchObject({
        kind: 'offerState',
        id: expect.stringMatching(/^\d+$/),
        status: 'open',
        code: expect.any(String),
        memberId: String(member(0).id),
        offerId: String(sandbox.fixtures.campaigns.active.offerId),
        campaignId: sandbox.fixtures.campaigns.active.xid,
        externalRefId,
      })
      expect(Date.parse(issued.activatesAt ?? '')).toBe(Date.parse(activatesAt))
      expect(Date.parse(issued.expiresAt ?? '')).toBe(Date.parse(expiresAt))
      const stored = sandbox.admin.offerStates().filter((o) => o.external_ref_id === externalRefId)
      expect(stored.map((o) => String(o.offer_state_id))).toEqual([issued.id])

      const request = {
        kind: 'offerState' as const,
        campaignId: sandbox.fixtures.campaigns.active.xid,
        memberId: String(member(0).id),
        externalRefId,
      }
      await expect(offers.findByExternalRef(request)).resolves.toMatchObject({
        kind: 'offerState',
        id: issued.id,
        code: issued.code,
        memberId: issued.memberId,
        campaignId: sandbox.fixtures.campaigns.active.xid,
        externalRefId,
      })
      await expect(offers.findByExternalRef({ ...request, externalRefId: ref() })).resolves.toBeUndefined()
    })

    it('issues an offer state for a member known by external identifier and keeps the identifier', async () => {
      const issued = await offers.issue({
        kind: 'offerState',
        campaignId: sandbox.fixtures.campaigns.active.xid,
        memberIdentifier: member(1).identifier,
        externalRefId: ref(),
      })

      expect(issued).toMatchObject({
        kind: 'offerState',
        memberIdentifier: member(1).identifier,
        memberId: String(member(1).id),
      })
    })

    it('throws what issuance reads with callFailure: a suspended campaign is final and not applied, a 503 may be applied', async () => {
      const request = {
        kind: 'offerState' as const,
        campaignId: sandbox.fixtures.campaigns.suspended.xid,
        memberId: String(member(2).id),
        externalRefId: ref(),
      }
      const refused = await offers.issue(request).catch((error: unknown) => error)
      expect(callFailure(refused)).toMatchObject({ retryable: false, applied: 'no', status: 422 })

      sandbox.admin.setFaults({ failNext: { status: 503, count: 3, operation: 'offerStates.issue' } })
      try {
        const unavailable = await offers
          .issue({ ...request, campaignId: sandbox.fixtures.campaigns.active.xid })
          .catch((error: unknown) => error)
        expect(callFailure(unavailable)).toMatchObject({ retryable: true, applied: 'maybe', status: 503 })
      } finally {
        sandbox.admin.clearFaults()
      }
    })
  })

  describe('sparkflyOffers: credentials for issuance', () => {
    it('creates a credential with the reference in its annotations, and finds it among the member’s credentials', async () => {
      const base = {
        kind: 'credential' as const,
        memberId: String(member(3).id),
        offerId: String(sandbox.fixtures.offerId),
        channelId: String(sandbox.fixtures.channelId),
      }
      const other = await offers.issue({ ...base, externalRefId: ref() })
      const externalRefId = ref()

      const issued = await offers.issue({ ...base, externalRefId })

      expect(issued).toMatchObject({
        kind: 'credential',
        id: expect.stringMatching(/^\d+$/),
        code: expect.any(String),
        memberId: base.memberId,
        offerId: base.offerId,
        channelId: base.channelId,
        externalRefId,
      })
      expect(issued.id).not.toBe(other.id)
      await expect(offers.findByExternalRef({ ...base, externalRefId })).resolves.toMatchObject({
        kind: 'credential',
        id: issued.id,
        code: issued.code,
        externalRefId,
      })
      await expect(offers.findByExternalRef({ ...base, externalRefId: ref() })).resolves.toBeUndefined()
    })
  })
})
