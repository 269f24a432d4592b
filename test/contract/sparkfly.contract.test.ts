/**
 * Contract tests: every Sparkfly operation the project uses (19 + /auth), success and error paths, against the
 * sandbox in each profile. Every answer is validated against docs/sparkfly/sparkfly.openapi.yaml by
 * openapi-response-validator (ajv); the client's own zod schemas play no part in the verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SecretReader } from '../../lib/aws/secrets'
import { createSparkflyClient, type SparkflyClient } from '../../lib/sparkfly'
import { SANDBOX_PROFILES, type Sandbox, startSandbox } from '../../local/sandbox'
import { type CheckedAnswer, contractRecorder } from './openapi'

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** Calls each operation once or more, on its success paths and its documented error paths. */
async function exerciseCredentials(client: SparkflyClient, sandbox: Sandbox): Promise<void> {
  const { members, offerId, channelId, storeId } = sandbox.fixtures
  const member = members[0]!.id
  const settle = (call: Promise<unknown>) => call.catch(() => undefined)

  await client.credentials.eligibility(member, offerId)
  const created = await client.credentials.create({
    member_id: member,
    offer_id: offerId,
    channel_id: channelId,
  })
  await client.credentials.create({ member_id: member, channel_id: channelId }) // no offer: identifier null
  await settle(client.credentials.create({ member_id: member, offer_id: offerId })) // no channel_id: refused
  await client.credentials.get(created.id)
  await settle(client.credentials.get(987654321)) // 404
  await client.credentials.list({ member_id: member, per_page: 1 })
  await client.credentials.update(created.id, { store_id: storeId, channel_id: channelId })
  await settle(client.credentials.update(created.id, { offer_id: 1 })) // 400 unknown offer
  await client.credentials.redeem(created.id)
  await settle(client.credentials.redeem(created.id)) // 422 already redeemed
  const other = await client.credentials.create({
    member_id: member,
    offer_id: offerId,
    channel_id: channelId,
  })
  await client.credentials.void(other.id)
  await settle(client.credentials.void(other.id)) // 422 already voided
  await client.credentials.delete(other.id)
  await settle(client.credentials.delete(other.id)) // 404
  await settle(client.credentials.redeem(987654321)) // 404
}

async function exerciseOfferStates(client: SparkflyClient, sandbox: Sandbox): Promise<void> {
  const { members, campaigns, channelId, offerId } = sandbox.fixtures
  const member = members[1]!
  const settle = (call: Promise<unknown>) => call.catch(() => undefined)
  const campaign = campaigns.active.xid

  const issued = await client.offerStates.issue({
    campaign_id: campaign,
    member_id: member.id,
    external_ref_id: 'c-1',
  })
  await client.offerStates.issue({ campaign_id: campaign, member_identifier: member.identifier })
  await settle(client.offerStates.issue({ campaign_id: campaigns.suspended.xid, member_id: member.id })) // 422
  await settle(client.offerStates.issue({ campaign_id: campaign, member_id: 987654321 })) // 404
  await client.offerStates.get(member.id, issued.id)
  await settle(client.offerStates.get(member.id, 987654321)) // 404
  await client.offerStates.list(member.id, { channel_id: channelId, per_page: 2 })
  await settle(client.offerStates.list(987654321, { channel_id: channelId })) // 404
  await client.offerStates.getByOffer(member.id, issued.offer_id)
  await settle(client.offerStates.getByOffer(members[4]!.id, offerId)) // 404: none of that offer
  await client.offerStates.queryAll({ external_ref_id: 'c-1' })
  await client.offerStates.queryAll({ credential_identifier: issued.credential_identifier })
  await client.offerStates.queryAll({ credential_identifier: 'NO-SUCH-CODE' }) // empty page or 404
  await client.offerStates.update(member.id, issued.id, { value: 2 })
  await settle(client.offerStates.update(member.id, 987654321, { value: 2 })) // 404
  await client.offerStates.redeem(member.id, issued.id)
  await settle(client.offerStates.redeem(member.id, issued.id)) // 422 already redeemed
  await settle(client.offerStates.redeem(member.id, 987654321)) // 404
  const toVoid = await client.offerStates.issue({ campaign_id: campaign, member_id: member.id })
  await client.offerStates.void(member.id, toVoid.id)
  await settle(client.offerStates.void(member.id, toVoid.id)) // 422 already voided
  await settle(client.offerStates.void(member.id, 987654321)) // 404
  const byIdentifier = await client.offerStates.issue({ campaign_id: campaign, member_id: member.id })
  await client.offerStates.voidByMemberIdentifier(byIdentifier.id, member.identifier)
  await settle(client.offerStates.voidByMemberIdentifier(byIdentifier.id, member.identifier)) // 422
  await settle(client.offerStates.voidByMemberIdentifier(byIdentifier.id, 'nobody')) // 404
  await client.offerStates.createFromQuery({ offer_id: offerId, channel_id: channelId })
  await settle(client.offerStates.createFromQuery({ offer_id: 1 })) // 404 unknown offer
  await client.offerStates.issueForMember(member.id, { offer_id: offerId, channel_id: channelId })
}

/** /auth by both methods, with good and bad keys, and a call with a token Sparkfly does not know (401). */
async function exerciseAuth(sandbox: Sandbox, transport: ReturnType<typeof contractRecorder>['transport']) {
  const { identity, key } = sandbox.account
  for (const method of ['GET', 'POST'] as const) {
    for (const secret of [key, 'sbx_key_wrong']) {
      const headers = { 'X-Auth-Identity': identity, 'X-Auth-Key': secret }
      await transport(`${sandbox.origin}/auth`, { method, headers, signal: AbortSignal.timeout(5000) })
    }
  }
  // A token Sparkfly does not know: 401, on the operations that have no other documented error among them.
  const headers = { 'X-Auth-Token': 'not-a-token' }
  const member = sandbox.fixtures.members[0]!.id
  const offer = sandbox.fixtures.offerId
  const calls = [
    ['GET', '/credentials/1'],
    ['GET', '/credentials'],
    ['GET', `/credentials/eligible?member_id=${member}&offer_id=${offer}`],
    ['GET', '/members/offer_states?token=x'],
    ['POST', `/members/${member}/offer_states?offer_id=${offer}`],
  ] as const
  for (const [method, path] of calls) {
    await transport(`${sandbox.url}${path}`, { method, headers, signal: AbortSignal.timeout(5000) })
  }
}

describe.each(SANDBOX_PROFILES)('Sparkfly contract, sandbox profile %s', (profile) => {
  let sandbox: Sandbox
  let answers: CheckedAnswer[]
  let operationIds: string[]

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, quiet: true, profile })
    const recorder = contractRecorder()
    ;({ answers, operationIds } = recorder)
    const secretReader: SecretReader = {
      getJson: async <T>() => ({ identity: sandbox.account.identity, key: sandbox.account.key }) as T,
    } as SecretReader
    const client = createSparkflyClient({
      secretId: 'contract',
      baseUrl: sandbox.url,
      secretReader,
      transport: recorder.transport,
      logger: quiet,
      maxRetries: 0,
    })
    await exerciseCredentials(client, sandbox)
    await exerciseOfferStates(client, sandbox)
    await exerciseAuth(sandbox, recorder.transport)
  })
  afterAll(() => sandbox?.stop())

  it('answers every one of the 19 operations and /auth, each with a success', () => {
    const succeeded = new Set(answers.filter((a) => a.status < 300).map((a) => a.operation))
    const expected = operationIds.map((id) => (id === 'authPost' ? 'auth' : id))
    const missing = [...new Set(expected)].filter(
      (id) => !succeeded.has(id) && !(id === 'auth' && succeeded.has('authPost')),
    )
    expect(missing).toEqual([])
    expect(new Set(expected).size).toBe(20)
  })

  it('answers every operation on an error path too', () => {
    const failed = new Set(answers.filter((a) => a.status >= 400).map((a) => a.operation))
    expect([...new Set(operationIds)].filter((id) => !failed.has(id))).toEqual([])
  })

  it('sends only documented statuses and fields: every answer validates against the description', () => {
    const invalid = answers
      .filter((a) => a.problems.length > 0)
      .map((a) => `${a.method} ${a.path} ${a.status}: ${a.problems.join('; ')}`)
    expect(invalid).toEqual([])
    const inferred = answers.filter((a) => a.inferred).map((a) => `${a.operation} ${a.status}`)
    console.info(
      `[contract ${profile}] ${answers.length} answers, ${new Set(answers.map((a) => a.operation)).size} operations, ` +
        `0 invalid; statuses marked x-inferred: ${[...new Set(inferred)].sort().join(', ') || 'none'}`,
    )
  })
})
