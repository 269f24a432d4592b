import { randomBytes } from 'node:crypto'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { resetAppContext } from '../../lib/app/context'
import { resetConfig } from '../../lib/config'
import { Ledger } from '../../lib/ledger/Ledger'
import type { LedgerEntry, NewLedgerEntry } from '../../lib/ledger/types'
import { type Offer, sparkflyOffers } from '../../lib/offers'
import { createSparkflyClient, type SparkflyClient } from '../../lib/sparkfly'
import { type LocalAws, startLocalAws } from '../../local/aws'
import { type Sandbox, type SandboxOptions, startSandbox } from '../../local/sandbox'
import { drainQueue, sendMessages } from './localAws'

/** A fresh Standard Webhooks signing secret (`whsec_` + base64 of 24 random bytes). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`
}

export interface TestSystemOptions {
  sandbox?: SandboxOptions
  /** `identity` (default): the client mints tokens at /auth; `token`: a pre-minted token in the secret. */
  secretForm?: 'identity' | 'token'
  webhookSecrets?: string[]
  /** Extra environment for the functions under test. */
  env?: Record<string, string>
  visibilityTimeoutSeconds?: number
}

export interface TestSystem {
  sandbox: Sandbox
  aws: LocalAws
  ledger: Ledger
  /** A client of the sandbox for arranging state (not the functions' own client). */
  client: SparkflyClient
  env: Record<string, string>
  webhookSecrets: string[]
  /** Issues an offer state through Sparkfly's API and records it in the ledger, as issuance would. */
  issueOfferState(options?: {
    memberId?: number
    campaignXid?: string
    activatesAt?: string
    expiresAt?: string
    sourceId?: string
  }): Promise<LedgerEntry>
  /** Creates a credential through Sparkfly's API and records it in the ledger, as issuance would. */
  issueCredential(options?: { memberId?: number; issuedAt?: string; sourceId?: string }): Promise<LedgerEntry>
  sendMessages: (queueUrl: string, bodies: unknown[]) => Promise<void>
  drainQueue: typeof drainQueue
  stop(): Promise<void>
}

let sequence = 0

/** What the ledger keeps of an offer Sparkfly issued (as issuance records it). */
function ledgerFields(offer: Offer): Omit<NewLedgerEntry, 'sourceId' | 'issuedAt'> {
  const { kind, id, code, memberId, memberIdentifier, offerId, campaignId, channelId, storeId } = offer
  const { activatesAt, expiresAt } = offer
  const fields = {
    code,
    memberId,
    memberIdentifier,
    offerId,
    campaignId,
    channelId,
    storeId,
    activatesAt,
    expiresAt,
  }
  return {
    kind,
    id,
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
  }
}

/**
 * Starts the sandbox and the local AWS services, creates the queues, tables and secrets, and points this process's
 * environment at them, so functions imported afterwards run exactly as in Lambda against real (local) services.
 *
 * @example
 * const system = await startTestSystem()
 * const { handler } = await import('../../functions/issue-offers')
 */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const sandbox = await startSandbox({ quiet: true, ...options.sandbox })
  const webhookSecrets = options.webhookSecrets ?? [newWebhookSecret()]
  let sparkflySecret: Record<string, string> = {
    identity: sandbox.account.identity,
    key: sandbox.account.key,
  }
  if (options.secretForm === 'token') {
    const minted = await fetch(`${sandbox.url}/auth`, {
      method: 'POST',
      headers: { 'X-Auth-Identity': sandbox.account.identity, 'X-Auth-Key': sandbox.account.key },
    })
    sparkflySecret = { token: minted.headers.get('x-auth-token') ?? '' }
  }
  let aws: LocalAws
  try {
    aws = await startLocalAws({
      secrets: { sparkfly: sparkflySecret, webhook: { secrets: webhookSecrets } },
      ...(options.visibilityTimeoutSeconds
        ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
        : {}),
    })
  } catch (error) {
    await sandbox.stop()
    throw error
  }
  const env: Record<string, string> = {
    ...aws.env(),
    SPARKFLY_BASE_URL: sandbox.url,
    SPARKFLY_TIMEOUT_MS: '2000',
    SPARKFLY_MAX_RETRIES: '2',
    ISSUANCE_RULES: 'local',
    STAGE: 'local',
    EVENT_SOURCE: 'urn:sparkfly-offer-lifecycle:test',
    ...options.env,
  }
  Object.assign(process.env, env)
  resetConfig()
  resetAppContext()

  const documentClient = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: aws.endpoints.dynamodb, region: aws.region }),
    { marshallOptions: { removeUndefinedValues: true } },
  )
  const ledger = new Ledger({ tableName: aws.tables.ledger, client: documentClient })
  const client = createSparkflyClient({
    baseUrl: sandbox.url,
    secretId: aws.secretIds.sparkfly,
  })
  const offers = sparkflyOffers(client)
  const firstMember = () => sandbox.fixtures.members[0]!.id

  return {
    sandbox,
    aws,
    ledger,
    client,
    env,
    webhookSecrets,
    async issueOfferState(o = {}) {
      const ref = `test:${++sequence}:${randomBytes(4).toString('hex')}`
      const offer = await offers.issue({
        kind: 'offerState',
        campaignId: o.campaignXid ?? sandbox.fixtures.campaigns.active.xid,
        memberId: String(o.memberId ?? firstMember()),
        externalRefId: ref,
        ...(o.activatesAt ? { activatesAt: o.activatesAt } : {}),
        ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
      })
      const { entry } = await ledger.record({
        ...ledgerFields(offer),
        sourceId: o.sourceId ?? ref,
        externalRefId: ref,
        issuedAt: sandbox.admin.clock.now().toISOString(),
      })
      return entry
    },
    async issueCredential(o = {}) {
      const ref = `test:${++sequence}:${randomBytes(4).toString('hex')}`
      const offer = await offers.issue({
        kind: 'credential',
        memberId: String(o.memberId ?? firstMember()),
        offerId: String(sandbox.fixtures.offerId),
        channelId: String(sandbox.fixtures.channelId),
        externalRefId: ref,
      })
      const { entry } = await ledger.record({
        ...ledgerFields(offer),
        sourceId: o.sourceId ?? ref,
        externalRefId: ref,
        issuedAt: o.issuedAt ?? sandbox.admin.clock.now().toISOString(),
      })
      return entry
    },
    sendMessages: (queueUrl, bodies) => sendMessages(queueUrl, bodies).then(() => undefined),
    drainQueue,
    async stop() {
      documentClient.destroy()
      await Promise.allSettled([aws.stop(), sandbox.stop()])
    },
  }
}
