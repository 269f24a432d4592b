import { describe, expect, it } from 'vitest'
import {
  createSparkflyClientWithTokenProvider,
  SparkflyContractError,
  SparkflyReportTruncatedError,
} from '../../../lib/sparkfly'
import { memoryLogger } from './helpers'

const encoder = new TextEncoder()
const QUERY = {
  from_reported_datetime: '2026-11-23T00:00:00Z',
  to_reported_datetime: '2026-11-23T01:00:00Z',
  channel_id: 7,
}
const row = (id: number) => ({
  id,
  type: 'redeem',
  credential_identifier: `CODE${id}`,
  reported_at: '2026-11-23T00:30:00Z',
  member: { id: '42', identifier: 'm-42' },
  offer_state: { id: String(1000 + id), external_ref_id: null },
})

/** A client whose transport answers the report with `stream` (a ReadableStream built from `chunks`). */
function clientAnswering(chunks: () => AsyncGenerator<string>) {
  return createSparkflyClientWithTokenProvider({
    baseUrl: 'http://sparkfly.test/v1.0',
    tokenProvider: () => 'token',
    logger: memoryLogger().logger,
    transport: async () => {
      const source = chunks()
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await source.next()
          if (next.done) controller.close()
          else controller.enqueue(encoder.encode(next.value))
        },
      })
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } })
    },
  })
}

async function drain(rows: AsyncIterable<unknown>) {
  const seen: unknown[] = []
  try {
    for await (const r of rows) seen.push(r)
    return { seen }
  } catch (error) {
    return { seen, error }
  }
}

describe('client.reports.offerActivity', () => {
  it('streams a 10,000-row report through the request layer without reading it whole first', async () => {
    let produced = 0
    let maxAhead = 0
    const client = clientAnswering(async function* () {
      yield '['
      for (let id = 0; id < 10_000; id += 1) {
        produced += 1
        yield `${id === 0 ? '' : ','}${JSON.stringify(row(id))}`
      }
      yield ']'
    })
    let consumed = 0
    for await (const r of await client.reports.offerActivity(QUERY)) {
      expect(r.offer_state?.id).toBe(String(1000 + consumed))
      consumed += 1
      maxAhead = Math.max(maxAhead, produced - consumed)
    }
    expect(consumed).toBe(10_000)
    // the body is pulled as rows are consumed: a buffered read would be 10,000 rows ahead
    expect(maxAhead).toBeLessThan(100)
  })

  it('a report cut mid-row raises SparkflyReportTruncatedError after the complete rows', async () => {
    const client = clientAnswering(async function* () {
      yield `[${JSON.stringify(row(1))},${JSON.stringify(row(2)).slice(0, 30)}`
    })
    const { seen, error } = await drain(await client.reports.offerActivity(QUERY))
    expect(seen).toHaveLength(1)
    expect(error).toBeInstanceOf(SparkflyReportTruncatedError)
    expect(error).toMatchObject({ operation: 'reports.offerActivity', retryable: true, rowsRead: 1 })
  })

  it('a row that breaks the report schema is a contract error naming the row', async () => {
    const client = clientAnswering(async function* () {
      yield `[${JSON.stringify(row(1))},${JSON.stringify({ ...row(2), type: 'teleport' })}]`
    })
    const { error } = await drain(await client.reports.offerActivity(QUERY))
    expect(error).toBeInstanceOf(SparkflyContractError)
    expect((error as SparkflyContractError).path).toBe('[1].type')
  })

  it('refuses a query without a channel or with a window over one day before any request', async () => {
    const client = clientAnswering(async function* () {
      yield '[]'
    })
    const { channel_id: _c, ...noChannel } = QUERY
    await expect(client.reports.offerActivity(noChannel)).rejects.toThrow(/channel_id/)
    await expect(
      client.reports.offerActivity({ ...QUERY, to_reported_datetime: '2026-11-24T00:00:01Z' }),
    ).rejects.toThrow(/1 day/)
  })
})
