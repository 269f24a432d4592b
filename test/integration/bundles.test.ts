import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BuiltBundle, bundle } from '../../bench/support/bundle'
import { signedRedemption } from '../../bench/support/events'
import { cloudEvent, lambdaContext, sqsEvent, sqsRecord } from '../support/events'
import { startTestSystem, type TestSystem } from '../support/system'

/**
 * The tests elsewhere run the TypeScript sources; this one runs what `osls package` deploys: each function bundled
 * with serverless.yml's esbuild options (minified, SDK inside, ES module builds preferred), loaded with require as
 * Lambda's Node runtime does, against the sandbox and the local AWS services.
 */
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>
type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>

let system: TestSystem
let outdir: string
const built = new Map<string, Promise<BuiltBundle>>()
const build = (name: string): Promise<BuiltBundle> => {
  if (!built.has(name)) built.set(name, bundle(name, join('functions', `${name}.ts`), outdir))
  return built.get(name)!
}
const load = async <T>(name: string): Promise<T> => {
  const { file } = await build(name)
  return (createRequire(__filename)(file) as { handler: T }).handler
}

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), 'bundles-'))
  system = await startTestSystem()
  system.sandbox.admin.createCampaign({ xid: 'local-birthday-treat' })
}, 60_000)
afterAll(async () => {
  await system?.stop()
  if (outdir) rmSync(outdir, { recursive: true, force: true })
})

describe('deployed bundles', () => {
  it('issue-offers then redeem-webhook, as bundled, issue and redeem an offer', async () => {
    // given the bundled handlers
    const issue = await load<SqsHandler>('issue-offers')
    const redeem = await load<HttpHandler>('redeem-webhook')
    const member = system.sandbox.fixtures.members[0]!
    const event = cloudEvent({ type: 'loyalty.member.birthday', member: { id: member.id } })

    // when a loyalty event arrives
    const batch = await issue(sqsEvent([sqsRecord(event)]), lambdaContext({ functionName: 'issueOffers' }))

    // then one offer state is issued and recorded
    expect(batch.batchItemFailures).toEqual([])
    const issued = system.sandbox.admin
      .offerStates()
      .filter((o) => o.external_ref_id === `le:birthday-treat:${event.id}`)
    expect(issued).toHaveLength(1)
    const code = issued[0]!.credential_identifier
    expect((await system.ledger.findByCode(String(code)))?.status).toBe('issued')

    // when the POS redeems its code (the birthday treat is active from the event's time)
    const answer = await redeem(
      signedRedemption({ code, transactionId: 'till-1-0001' }, system.webhookSecrets[0]!),
      lambdaContext({ functionName: 'redeemWebhook' }),
    )

    // then it is redeemed
    expect(answer.statusCode, String(answer.body)).toBe(200)
    expect(JSON.parse(String(answer.body))).toMatchObject({ status: 'redeemed' })
    expect((await system.ledger.findByCode(String(code)))?.status).toBe('redeemed')
  }, 60_000)

  it('leave out the SDK default credential chain: the credentials come from the environment', async () => {
    // given the bundle that holds the most SDK clients
    const { metafile } = await build('redeem-webhook')

    // then no module of the default chain or of its nested SSO / STS clients is in it
    const inputs = Object.keys(metafile.inputs)
    expect(inputs.some((input) => input.includes('lib/aws/defaultCredentialChain'))).toBe(true)
    const chain = inputs.filter((input) =>
      /@aws-sdk\/(credential-provider-(node|sso|ini|process|web-identity)|nested-clients)\//.test(input),
    )
    expect(chain).toEqual([])
  }, 60_000)
})
