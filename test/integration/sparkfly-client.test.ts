import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { appContext, resetAppContext } from '../../lib/app/context'
import { createSecretReader } from '../../lib/aws/secrets'
import { resetConfig } from '../../lib/config'
import {
  createSparkflyClient,
  type SparkflyClient,
  type SparkflyClientConfig,
  SparkflyConflictError,
  SparkflyConnectionError,
  type SparkflyLogger,
  SparkflyNotFoundError,
  SparkflyServerError,
  SparkflyValidationError,
} from '../../lib/sparkfly'
import { type LocalSecretsManager, startSecretsManager } from '../../local/aws/secretsManager'
import { SANDBOX_PROFILES, type Sandbox, startSandbox } from '../../local/sandbox'

const IDENTITY_SECRET = 'local/sparkfly/identity'
const ACCOUNT = { identity: 'acct-client-it', key: 'sbx_key_client_integration_0001' }

let sandbox: Sandbox
let secrets: LocalSecretsManager

const quietLogger: SparkflyLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** A client as a Lambda container builds it: real SDK client against the local Secrets Manager endpoint. */
function newClient(overrides: Partial<SparkflyClientConfig> = {}): SparkflyClient {
  const sdk = new SecretsManagerClient({ endpoint: secrets.url, region: 'us-east-1' })
  return createSparkflyClient({
    secretId: IDENTITY_SECRET,
    baseUrl: sandbox.url,
    secretReader: createSecretReader({ client: sdk }),
    logger: quietLogger,
    retryBaseDelayMs: 10,
    ...overrides,
  })
}

const getSecretValueCount = () => secrets.counters().GetSecretValue ?? 0

/** The member offer-state list's query: `channel_id` is required by the platform description. */
const listArgs = () => ({ channel_id: sandbox.fixtures.channelId })

/**
 * Reads a field of a sandbox admin record. admin.getCredential/getOfferState are typed as the camelCase
 * records but return the snake_case wire fields; accept either spelling.
 */
function field(record: unknown, snake: string, camel: string): unknown {
  if (typeof record !== 'object' || record === null) return undefined
  const values = record as Record<string, unknown>
  return snake in values ? values[snake] : values[camel]
}

// The whole suite runs once per sandbox profile: the client must work with either published description.
describe.each(SANDBOX_PROFILES)('against the sandbox in the %s profile', (profile) => {
  beforeAll(async () => {
    // One account for every profile: a container's secret cache outlives one profile's sandbox.
    sandbox = await startSandbox({ port: 0, quiet: true, profile, account: ACCOUNT })
    secrets = await startSecretsManager({
      port: 0,
      secrets: { [IDENTITY_SECRET]: { identity: sandbox.account.identity, key: sandbox.account.key } },
    })
  })

  afterAll(async () => {
    await sandbox?.stop()
    await secrets?.stop()
  })

  beforeEach(() => {
    sandbox.admin.reset()
    secrets.resetCounters()
  })

  describe('Sparkfly client against the sandbox: credentials', () => {
    it('runs the 8 credential operations', async () => {
      const client = newClient()
      const { members, offerId, channelId, storeId } = sandbox.fixtures
      const member = members[0]!

      // given a member eligible for the fixture offer
      const eligibility = await client.credentials.eligibility(member.id, offerId)
      expect(typeof eligibility.is_eligible).toBe('boolean')

      // when a credential is created, it is stored and returned with its code
      const created = await client.credentials.create({
        member_id: member.id,
        offer_id: offerId,
        channel_id: channelId,
      })
      expect(created).toMatchObject({ member_id: member.id, offer_ids: [offerId], status: 'open' })
      expect(created.identifier).toEqual(expect.any(String))
      expect(sandbox.admin.getCredential(created.id)).toBeDefined()

      await expect(client.credentials.get(created.id)).resolves.toMatchObject({ id: created.id })

      const page = await client.credentials.list({ member_id: member.id, per_page: 10 })
      expect(page.credentials.map((c) => c.id)).toContain(created.id)
      const all: number[] = []
      for await (const credential of client.credentials.listAll({ member_id: member.id, per_page: 1 })) {
        all.push(credential.id)
      }
      expect(all).toContain(created.id)

      const updated = await client.credentials.update(created.id, { store_id: storeId })
      expect(updated.store_id).toBe(storeId)
      expect(field(sandbox.admin.getCredential(created.id), 'store_id', 'storeId')).toBe(storeId)

      // redeem once; the second redeem is a conflict
      await expect(client.credentials.redeem(created.id)).resolves.toMatchObject({ status: 'redeemed' })
      const again = await client.credentials.redeem(created.id).catch((e: unknown) => e)
      expect(again).toBeInstanceOf(SparkflyConflictError)
      expect(again).toMatchObject({ conflict: 'already_redeemed', status: 422 })

      // void a second credential; the second void is a conflict
      const other = await client.credentials.create({
        member_id: member.id,
        offer_id: offerId,
        channel_id: channelId,
      })
      await expect(client.credentials.void(other.id)).resolves.toMatchObject({ status: 'voided' })
      await expect(client.credentials.void(other.id)).rejects.toMatchObject({ conflict: 'already_voided' })

      // delete, then it is gone
      await expect(client.credentials.delete(other.id)).resolves.toMatchObject({ id: other.id })
      await expect(client.credentials.get(other.id)).rejects.toBeInstanceOf(SparkflyNotFoundError)

      const counters = sandbox.admin.counters()
      for (const op of [
        'credentials.create',
        'credentials.get',
        'credentials.list',
        'credentials.update',
        'credentials.delete',
        'credentials.redeem',
        'credentials.void',
        'credentials.eligibility',
      ] as const) {
        expect(counters[op], op).toBeGreaterThan(0)
      }
    })

    it('reports a refused create (no channel_id: 400 or 422 per profile) as a validation error', async () => {
      const client = newClient()
      const error = await client.credentials
        .create({ member_id: sandbox.fixtures.members[0]!.id, offer_id: sandbox.fixtures.offerId })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SparkflyValidationError)
      expect(error).toMatchObject({ sparkflyMessage: 'channel_id is required', applied: 'no' })
    })

    it('creates a credential with no offer yet: no code until an offer is attached', async () => {
      const client = newClient()
      const { members, offerId, channelId } = sandbox.fixtures
      const bare = await client.credentials.create({ member_id: members[0]!.id, channel_id: channelId })
      expect(bare).toMatchObject({ identifier: null, offer_ids: [], status: 'open' })
      const attached = await client.credentials.update(bare.id, {
        channel_id: channelId,
        offer_ids: [offerId],
      })
      expect(attached.identifier).toEqual(expect.any(String))
    })
  })

  describe('Sparkfly client against the sandbox: offer states', () => {
    it('runs the 11 offer state operations', async () => {
      const client = newClient()
      const { members, campaigns, channelId } = sandbox.fixtures
      const member = members[1]!

      // issue (high throughput) by member id
      const issued = await client.offerStates.issue({
        campaign_id: campaigns.active.xid,
        member_id: member.id,
        external_ref_id: 'evt-it-1',
        expires_at: new Date(Date.now() + 86_400_000),
      })
      expect(issued).toMatchObject({ member_id: member.id, offer_id: campaigns.active.offerId })
      expect(sandbox.admin.getOfferState(issued.id)?.status).toBe('incomplete')

      await expect(client.offerStates.get(member.id, issued.id)).resolves.toMatchObject({
        offer_state_id: issued.id,
        status: 'incomplete',
        credential_identifier: issued.credential_identifier,
      })
      const list = await client.offerStates.list(member.id, listArgs())
      expect(list.offer_states.map((s) => s.offer_state_id)).toContain(issued.id)
      await expect(client.offerStates.getByOffer(member.id, issued.offer_id)).resolves.toMatchObject({
        offer_state_id: issued.id,
      })
      await expect(client.offerStates.query({ external_ref_id: 'evt-it-1' })).resolves.toMatchObject({
        offer_state_id: issued.id,
      })
      await expect(
        client.offerStates.query({ credential_identifier: issued.credential_identifier }),
      ).resolves.toMatchObject({ offer_state_id: issued.id })

      await expect(client.offerStates.update(member.id, issued.id, { value: 5 })).resolves.toMatchObject({
        value: 5,
      })
      expect(sandbox.admin.getOfferState(issued.id)?.value).toBe(5)

      // redeem once; again is a conflict
      await expect(client.offerStates.redeem(member.id, issued.id)).resolves.toMatchObject({
        status: 'redeemed',
      })
      await expect(client.offerStates.redeem(member.id, issued.id)).rejects.toMatchObject({
        name: 'SparkflyConflictError',
        conflict: 'already_redeemed',
      })

      // void by member id; again is a conflict
      const toVoid = await client.offerStates.issue({
        campaign_id: campaigns.active.xid,
        member_id: member.id,
      })
      await expect(client.offerStates.void(member.id, toVoid.id)).resolves.toBeUndefined()
      expect(sandbox.admin.getOfferState(toVoid.id)?.status).toBe('voided')
      const twice = await client.offerStates.void(member.id, toVoid.id).catch((e: unknown) => e)
      expect(twice).toBeInstanceOf(SparkflyConflictError)
      expect(twice).toMatchObject({
        conflict: 'already_voided',
        sparkflyMessage: 'Offer State already voided',
      })
      expect((twice as SparkflyConflictError).trace).toEqual(expect.any(String))
      expect((twice as SparkflyConflictError).requestId).toEqual(expect.any(String))

      // issue by member identifier, void by member identifier
      const byIdentifier = await client.offerStates.issue({
        campaign_id: campaigns.active.xid,
        member_identifier: member.identifier,
      })
      expect(byIdentifier.member_id).toBe(member.id)
      await client.offerStates.voidByMemberIdentifier(byIdentifier.id, member.identifier)
      expect(sandbox.admin.getOfferState(byIdentifier.id)?.status).toBe('voided')

      // the two query-parameter creates
      const fromQuery = await client.offerStates.createFromQuery({
        offer_id: campaigns.active.offerId,
        channel_id: channelId,
        offer_state: { external_ref_id: 'evt-it-2' },
      })
      expect(fromQuery).toMatchObject({ offer_id: campaigns.active.offerId, external_ref_id: 'evt-it-2' })
      const forMember = await client.offerStates.issueForMember(member.id, {
        offer_id: campaigns.active.offerId,
        channel_id: channelId,
      })
      expect(forMember).toMatchObject({ member_id: member.id, offer_id: campaigns.active.offerId })
      expect(sandbox.admin.getOfferState(forMember.offer_state_id)).toBeDefined()

      const counters = sandbox.admin.counters()
      for (const op of [
        'offerStates.issue',
        'offerStates.createFromQuery',
        'offerStates.issueForMember',
        'offerStates.get',
        'offerStates.list',
        'offerStates.getByOffer',
        'offerStates.query',
        'offerStates.update',
        'offerStates.redeem',
        'offerStates.void',
        'offerStates.voidByMemberIdentifier',
      ] as const) {
        expect(counters[op], op).toBeGreaterThan(0)
      }
    })

    it('maps Sparkfly rejections: unknown member, suspended campaign, unknown offer state', async () => {
      const client = newClient()
      const { campaigns, members } = sandbox.fixtures
      await expect(
        client.offerStates.issue({ campaign_id: campaigns.active.xid, member_id: 987654321 }),
      ).rejects.toMatchObject({ name: 'SparkflyNotFoundError', sparkflyMessage: 'Member not found' })
      await expect(
        client.offerStates.issue({ campaign_id: campaigns.suspended.xid, member_id: members[0]!.id }),
      ).rejects.toMatchObject({
        name: 'SparkflyValidationError',
        rejection: 'campaign_suspended',
        status: 422,
      })
      await expect(client.offerStates.get(members[0]!.id, 999999)).rejects.toBeInstanceOf(
        SparkflyNotFoundError,
      )
    })
  })

  describe('Sparkfly client against the sandbox: auth, retries and faults', () => {
    it('serves 100 concurrent first calls with 1 GetSecretValue and 1 /auth', async () => {
      const client = newClient()
      const member = sandbox.fixtures.members[0]!
      const results = await Promise.all(
        Array.from({ length: 100 }, () => client.offerStates.list(member.id, listArgs())),
      )
      expect(results).toHaveLength(100)
      expect(getSecretValueCount()).toBe(1)
      expect(sandbox.admin.counters().auth).toBe(1)
      expect(sandbox.admin.counters()['offerStates.list']).toBe(100)
    })

    it('honours Retry-After on a 429, even for an issue, and issues once', async () => {
      const client = newClient()
      const { campaigns, members } = sandbox.fixtures
      await client.offerStates.list(members[0]!.id, listArgs()) // warm: token minted
      sandbox.admin.resetCounters()
      sandbox.admin.setFaults({ failNext: { status: 429, count: 1 }, retryAfterSeconds: 1 })
      const before = sandbox.admin.offerStates().length
      const started = Date.now()
      const issued = await client.offerStates.issue({
        campaign_id: campaigns.active.xid,
        member_id: members[0]!.id,
      })
      const elapsed = Date.now() - started
      expect(issued.id).toEqual(expect.any(Number))
      expect(elapsed).toBeGreaterThanOrEqual(950)
      expect(sandbox.admin.counters()['offerStates.issue']).toBe(2)
      expect(sandbox.admin.offerStates().length).toBe(before + 1)
    })

    it('recovers from token expiry mid-run with exactly one re-mint', async () => {
      const client = newClient()
      const member = sandbox.fixtures.members[2]!
      await client.offerStates.list(member.id, listArgs())
      expect(sandbox.admin.counters().auth).toBe(1)
      sandbox.admin.revokeTokens()
      const results = await Promise.all(
        Array.from({ length: 20 }, () => client.offerStates.list(member.id, listArgs())),
      )
      expect(results).toHaveLength(20)
      expect(sandbox.admin.counters().auth).toBe(2)
      // the secret is read again once, in case the key was rotated
      expect(getSecretValueCount()).toBe(2)
    })

    it('does not replay an issue that failed with a 500, but retries a read on 503', async () => {
      const client = newClient()
      const { campaigns, members } = sandbox.fixtures
      await client.offerStates.list(members[0]!.id, listArgs())
      sandbox.admin.resetCounters()

      sandbox.admin.setFaults({ failNext: { status: 500, count: 1, operation: 'offerStates.issue' } })
      await expect(
        client.offerStates.issue({ campaign_id: campaigns.active.xid, member_id: members[0]!.id }),
      ).rejects.toBeInstanceOf(SparkflyServerError)
      expect(sandbox.admin.counters()['offerStates.issue']).toBe(1)

      sandbox.admin.setFaults({
        failNext: { status: 503, count: 1, operation: 'offerStates.list' },
        retryAfterSeconds: 0,
      })
      await expect(client.offerStates.list(members[0]!.id, listArgs())).resolves.toBeDefined()
      expect(sandbox.admin.counters()['offerStates.list']).toBe(2)
    })

    it('does not replay an issue whose connection was dropped, and says it may have been applied', async () => {
      const client = newClient({ maxRetries: 0 })
      const { campaigns, members } = sandbox.fixtures
      await client.offerStates.list(members[0]!.id, listArgs())
      sandbox.admin.resetCounters()
      sandbox.admin.setFaults({ failNext: { status: 'drop', count: 1, operation: 'offerStates.issue' } })
      const before = sandbox.admin.offerStates().length
      const error = await client.offerStates
        .issue({ campaign_id: campaigns.active.xid, member_id: members[0]!.id })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SparkflyConnectionError)
      expect(error).toMatchObject({ applied: 'maybe', retryable: true })
      expect(sandbox.admin.counters()['offerStates.issue']).toBe(1)
      expect(sandbox.admin.offerStates().length).toBe(before)
    })

    it('replays a read once when the connection is dropped, even with maxRetries 0', async () => {
      const client = newClient({ maxRetries: 0 })
      const member = sandbox.fixtures.members[0]!
      await client.offerStates.list(member.id, listArgs())
      sandbox.admin.resetCounters()
      sandbox.admin.setFaults({ failNext: { status: 'drop', count: 1, operation: 'offerStates.list' } })
      await expect(client.offerStates.list(member.id, listArgs())).resolves.toBeDefined()
      expect(sandbox.admin.counters()['offerStates.list']).toBe(2)
    })

    it('times out a hung issue without replaying it', async () => {
      const client = newClient({ timeoutMs: 300 })
      const { campaigns, members } = sandbox.fixtures
      await client.offerStates.list(members[0]!.id, listArgs())
      sandbox.admin.resetCounters()
      sandbox.admin.setFaults({ failNext: { status: 'hang', count: 1, operation: 'offerStates.issue' } })
      await expect(
        client.offerStates.issue({ campaign_id: campaigns.active.xid, member_id: members[0]!.id }),
      ).rejects.toMatchObject({ name: 'SparkflyTimeoutError', retryable: true, applied: 'maybe' })
      expect(sandbox.admin.counters()['offerStates.issue']).toBe(1)
    })

    it('uses a {"token"} secret and its baseUrl', async () => {
      const minted = await fetch(`${sandbox.origin}/auth`, {
        method: 'POST',
        headers: { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key },
      })
      const token = minted.headers.get('x-auth-token')
      expect(token).toBeTruthy()
      secrets.put('local/sparkfly/token', { token, baseUrl: sandbox.url })
      sandbox.admin.resetCounters()
      // The configured base URL is a closed local port: only the secret's baseUrl can work.
      const client = newClient({ secretId: 'local/sparkfly/token', baseUrl: 'http://127.0.0.1:9/v1.0' })
      await expect(
        client.offerStates.list(sandbox.fixtures.members[0]!.id, listArgs()),
      ).resolves.toBeDefined()
      expect(sandbox.admin.counters().auth).toBe(0)
    })

    it('mints with GET /auth when configured', async () => {
      const client = newClient({ authMethod: 'GET' })
      await client.offerStates.list(sandbox.fixtures.members[0]!.id, listArgs())
      const auth = sandbox.admin.requests().find((r) => r.operation === 'auth')
      expect(auth).toMatchObject({ method: 'GET', status: 204 })
    })
  })

  // Once: the process keeps the secret it read (once per container), so a second profile would read none.
  describe.runIf(profile === SANDBOX_PROFILES[0])(
    'the composition root`s client against the local endpoints',
    () => {
      const saved = { ...process.env }
      afterEach(() => {
        process.env = { ...saved }
        resetConfig()
        resetAppContext()
      })

      it('builds from SPARKFLY_* and AWS_ENDPOINT_URL_SECRETS_MANAGER, once per container', async () => {
        process.env.SPARKFLY_SECRET_ID = IDENTITY_SECRET
        process.env.SPARKFLY_BASE_URL = sandbox.url
        process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secrets.url
        process.env.LEDGER_TABLE = 'unused'
        process.env.OFFER_EVENTS_QUEUE_URL = 'http://127.0.0.1:9/queue/unused'
        resetConfig()
        resetAppContext()
        const client = appContext().sparkfly
        expect(appContext().sparkfly).toBe(client)
        const member = sandbox.fixtures.members[0]!
        await expect(
          client.credentials.eligibility(member.id, sandbox.fixtures.offerId),
        ).resolves.toMatchObject({
          is_eligible: expect.any(Boolean),
        })
        expect(getSecretValueCount()).toBe(1)
        expect(sandbox.admin.counters().auth).toBe(1)
      })
    },
  )
})
