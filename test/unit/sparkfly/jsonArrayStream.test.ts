import { describe, expect, it } from 'vitest'
import {
  parseJsonArrayStream,
  SparkflyReportFormatError,
  SparkflyReportTruncatedError,
} from '../../../lib/sparkfly/jsonArrayStream'

const encoder = new TextEncoder()

async function* chunksOf(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = encoder.encode(text)
  for (let start = 0; start < bytes.length; start += size) yield bytes.slice(start, start + size)
}

async function collect(source: AsyncIterable<unknown>): Promise<{ rows: unknown[]; error?: unknown }> {
  const rows: unknown[] = []
  try {
    for await (const row of source) rows.push(row)
    return { rows }
  } catch (error) {
    return { rows, error }
  }
}

const ROWS = [
  { id: 1, type: 'redeem', note: 'a } in a string, a \\" quote and ] too', member: { id: '7' } },
  { id: 2, type: 'void', nested: [{ a: [1, 2, { b: '{' }] }], emoji: 'café ☕' },
  { id: 3, type: 'issue', offer_state: null },
]

describe('parseJsonArrayStream', () => {
  it('yields every row of an array split at every byte (strings, escapes, nesting, multi-byte characters)', async () => {
    const text = ` \n[${ROWS.map((r) => JSON.stringify(r)).join(' ,\n')}]\n`
    for (const size of [1, 2, 7, 64, 4096]) {
      expect((await collect(parseJsonArrayStream(chunksOf(text, size)))).rows).toEqual(ROWS)
    }
    expect((await collect(parseJsonArrayStream(chunksOf('[]', 1)))).rows).toEqual([])
  })

  it('a stream cut mid-row yields the complete rows, then raises its own retryable error', async () => {
    const text = `[${JSON.stringify(ROWS[0])},${JSON.stringify(ROWS[1]).slice(0, 20)}`
    const { rows, error } = await collect(parseJsonArrayStream(chunksOf(text, 5)))
    expect(rows).toEqual([ROWS[0]])
    expect(error).toBeInstanceOf(SparkflyReportTruncatedError)
    expect(error).toMatchObject({ rowsRead: 1, retryable: true, applied: 'no' })
  })

  it('a stream cut between rows, before the closing bracket, or failing mid-read is truncated too', async () => {
    const cutBetween = await collect(parseJsonArrayStream(chunksOf(`[${JSON.stringify(ROWS[0])},`, 3)))
    expect(cutBetween.error).toBeInstanceOf(SparkflyReportTruncatedError)
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield encoder.encode(`[${JSON.stringify(ROWS[0])},{"id"`)
      throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' })
    }
    const broken = await collect(parseJsonArrayStream(failing()))
    expect(broken.rows).toEqual([ROWS[0]])
    expect(broken.error).toBeInstanceOf(SparkflyReportTruncatedError)
    expect((broken.error as Error).cause).toMatchObject({ code: 'UND_ERR_SOCKET' })
  })

  it('refuses what is not an array of objects', async () => {
    for (const text of ['{"id":1}', '[1,2]', '[{"id":1}]x', '[{"id":1,}]']) {
      const { error } = await collect(parseJsonArrayStream(chunksOf(text, 3)))
      expect(error, text).toBeInstanceOf(SparkflyReportFormatError)
    }
  })

  it('reads a 10,000-row report holding at most one chunk of rows at a time (bounded memory)', async () => {
    const total = 10_000
    const perChunk = 25
    let produced = 0
    let maxAhead = 0
    async function* report(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('[')
      while (produced < total) {
        const rows: string[] = []
        for (let i = 0; i < perChunk && produced < total; i += 1) {
          const id = produced
          produced += 1
          rows.push(`${id === 0 ? '' : ','}${JSON.stringify({ id, type: 'redeem', pad: 'x'.repeat(300) })}`)
        }
        yield encoder.encode(rows.join(''))
      }
      yield encoder.encode(']')
    }
    let consumed = 0
    let peakHeap = 0
    const baseline = process.memoryUsage().heapUsed
    for await (const row of parseJsonArrayStream(report())) {
      expect((row as { id: number }).id).toBe(consumed)
      consumed += 1
      maxAhead = Math.max(maxAhead, produced - consumed)
      if (consumed % 500 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed - baseline)
    }
    expect(consumed).toBe(total)
    // The producer is never more than one chunk ahead of the consumer: nothing accumulates.
    expect(maxAhead).toBeLessThan(perChunk)
    console.log(
      `10,000-row report (~3.2 MB): rows buffered at most ${maxAhead + 1}, heap growth peak ${(peakHeap / 1e6).toFixed(1)} MB`,
    )
  })
})
