import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PermanentError } from '../../../lib/errors'
import { Ledger, OfferKind } from '../../../lib/ledger'
import { noteVoidIntent } from '../../../lib/ledger/intents'
import { OfferStatus } from '../../../lib/offers'
import { BulkVoidStatus, parseVoidRequest, processVoidRequest, type VoidDeps } from '../../../lib/voiding'
import { startLedgerDynamo } from '../../support/dynamo'
import { FakeOffers, timeoutError } from '../../support/fakeOffers'
import { FakePublisher } from './fakes'

let dynamo: Awaited<ReturnType<typeof startLedgerDynamo>>
let ledger: Ledger
let offers: FakeOffers
let deps: VoidDeps
let seq = 0
const nextId = () => String(700_000 + ++seq)

beforeAll(async () => {
  dynamo = await startLedgerDynamo('voiding-bulk-unit')
  ledger = new Ledger({ tableName: dynamo.tableName, client: dynamo.documentClient })
})
afterAll(() => dynamo.stop())
beforeEach(() => {
  offers = new FakeOffers()
  deps = { offers, ledger, publisher: new FakePublisher(), eventSource: 'urn:test' }
})

async function issuedCredential() {
  const id = nextId()
  offers.seed({ kind: OfferKind.credential, id, code: `C${id}`, memberId: '42' })
  await ledger.record({
    kind: OfferKind.credential,
    id,
    code: `C${id}`,
    memberId: '42',
    sourceId: 'e',
    issuedAt: '2026-01-01T00:00:00.000Z',
  })
  return id
}

const isPermanent = (reason: string) => (error: unknown) =>
  error instanceof PermanentError && error.reason === reason

function permanentReason(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof PermanentError ? error.reason : 'not permanent'
  }
  return undefined
}

describe('parseVoidRequest', () => {
  it('reads the four target shapes', () => {
    const bodies = [
      { requestId: 'a', target: { offerStateId: 1, memberId: '2' }, reason: 'r' },
      { requestId: 'b', target: { offerStateId: '1', memberIdentifier: 'ext-2' }, reason: 'r' },
      { requestId: 'c', target: { credentialId: 3 }, reason: 'r' },
      { requestId: 'd', target: { code: 'K7Q2' }, reason: 'r' },
    ]
    expect(bodies.map((b) => parseVoidRequest(JSON.stringify(b)).target)).toEqual([
      { offerStateId: '1', memberId: '2' },
      { offerStateId: '1', memberIdentifier: 'ext-2' },
      { credentialId: '3' },
      { code: 'K7Q2' },
    ])
  })

  it('refuses for good what can never succeed: bad JSON, missing or ambiguous fields', () => {
    expect(permanentReason(() => parseVoidRequest('{not json'))).toBe('malformed_json')
    expect(permanentReason(() => parseVoidRequest('[]'))).toBe('invalid_request')
    expect(
      permanentReason(() => parseVoidRequest(JSON.stringify({ requestId: 'x', target: { code: 'A' } }))),
    ).toBe('invalid_request')
    const ambiguous = { requestId: 'x', target: { credentialId: 1, code: 'A' }, reason: 'r' }
    expect(() => parseVoidRequest(JSON.stringify(ambiguous))).toThrow(/target\.credentialId is not allowed/)
  })
})

describe('processVoidRequest', () => {
  it('acknowledges a redelivery after a lost answer as voided, after a look-up and without a second void', async () => {
    const id = await issuedCredential()
    const message = { requestId: 'bulk-lost', target: { credentialId: id }, reason: 'Fraud sweep' }
    const withIntents: VoidDeps = {
      ...deps,
      noteVoidIntent: (offer, intent) =>
        noteVoidIntent({ tableName: dynamo.tableName, client: dynamo.documentClient }, offer, intent),
    }
    offers.fail('void', { error: timeoutError(), applied: true })
    await expect(processVoidRequest(message, withIntents)).rejects.toThrow()

    const redelivered = await processVoidRequest(message, withIntents)

    expect(redelivered.status).toBe(BulkVoidStatus.voided)
    expect(offers.callsOf('void')).toHaveLength(1)
    expect(await ledger.get(OfferKind.credential, id)).toMatchObject({
      status: 'voided',
      changedBy: 'bulk:bulk-lost',
    })
  })

  it('voids, then acknowledges a redelivery of the same request as a duplicate without a second Sparkfly call', async () => {
    const id = await issuedCredential()
    const message = { requestId: 'bulk-1', target: { credentialId: id }, reason: 'Fraud sweep' }

    const first = await processVoidRequest(message, deps)
    const second = await processVoidRequest(message, deps)

    expect(first.status).toBe(BulkVoidStatus.voided)
    expect(second.status).toBe(BulkVoidStatus.duplicate)
    expect(offers.callsOf('void')).toHaveLength(1)
    expect(await ledger.get(OfferKind.credential, id)).toMatchObject({
      status: 'voided',
      changedBy: 'bulk:bulk-1',
    })
  })

  it('acknowledges a target someone else voided as already_voided', async () => {
    const id = await issuedCredential()
    await processVoidRequest({ requestId: 'bulk-2', target: { credentialId: id }, reason: 'r' }, deps)

    const outcome = await processVoidRequest(
      { requestId: 'bulk-3', target: { credentialId: id }, reason: 'r' },
      deps,
    )

    expect(outcome.status).toBe(BulkVoidStatus.alreadyVoided)
  })

  it('parks an unknown target and a redeemed offer with their reasons', async () => {
    await expect(
      processVoidRequest({ requestId: 'bulk-4', target: { credentialId: '999' }, reason: 'r' }, deps),
    ).rejects.toSatisfy(isPermanent('unknown_target'))

    const id = await issuedCredential()
    const remote = offers.peek(OfferKind.credential, id)
    if (remote) offers.seed({ ...remote, status: OfferStatus.redeemed })
    await expect(
      processVoidRequest({ requestId: 'bulk-5', target: { credentialId: id }, reason: 'r' }, deps),
    ).rejects.toSatisfy(isPermanent('already_redeemed'))
  })
})
