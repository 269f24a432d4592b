import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { sequentialDepth, startCallCounter } from '../../../local/aws/callCounter'
import { close, listen } from '../../../local/aws/http'

let upstream: Server | undefined
afterEach(async () => {
  if (upstream) await close(upstream)
  upstream = undefined
})

/** An upstream that answers each request with the body it received. */
async function echo(): Promise<string> {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => res.end(Buffer.concat(chunks)))
  })
  return `http://127.0.0.1:${await listen(upstream, 0, '127.0.0.1')}`
}

const post = (url: string, target: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'x-amz-target': target }, body }).then((r) => r.text())

describe('sequentialDepth', () => {
  it('counts a chain of calls once per step, and overlapping calls as one step', () => {
    // given two overlapping calls followed by one after both ended
    const calls = [
      { start: 0, end: 10 },
      { start: 2, end: 12 },
      { start: 13, end: 20 },
    ]
    // then the critical path is two calls long
    expect(sequentialDepth(calls)).toBe(2)
    expect(sequentialDepth([])).toBe(0)
  })
})

describe('startCallCounter', () => {
  it('forwards calls, counts them by action, and tells calls made together from calls made in turn', async () => {
    // given a counter with a 20 ms hold in front of an upstream
    const counter = startCallCounter({ delayMs: 20 })
    try {
      const proxy = await counter.proxy('dynamodb', await echo())

      // when two calls are made together, then one after them
      const together = await Promise.all([
        post(proxy, 'DynamoDB_20120810.GetItem', 'a'),
        post(proxy, 'DynamoDB_20120810.PutItem', `${proxy}/queue`),
      ])
      await post(proxy, 'DynamoDB_20120810.GetItem', 'c')

      // then the answers come back, with the proxy's own URL in a body forwarded as the upstream's
      expect(together[0]).toBe('a')
      expect(together[1]).not.toContain(proxy)
      expect(together[1]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/queue$/)
      // and the calls are counted by action, two steps in sequence
      expect(counter.summary()).toEqual({
        byAction: { 'dynamodb.GetItem': 2, 'dynamodb.PutItem': 1 },
        total: 3,
        sequential: 2,
      })
      counter.reset()
      expect(counter.summary().total).toBe(0)
    } finally {
      await counter.stop()
    }
  })
})
