import { SPARKFLY_APPLIED, SparkflyError, type SparkflyErrorDetails } from './errors'

/**
 * The body of a streamed report ended before its closing `]` (Sparkfly cuts the output when an error happens while
 * it streams, and keeps the 200 status), or the connection broke while it was read. The rows already yielded are
 * valid; the window must be read again. Retryable; a report is a read, so nothing was applied.
 */
export class SparkflyReportTruncatedError extends SparkflyError {
  /** Complete rows read before the cut. */
  readonly rowsRead: number

  constructor(message: string, details: SparkflyErrorDetails & { rowsRead: number }) {
    super(message, { ...details, retryable: true, applied: SPARKFLY_APPLIED.no })
    this.name = 'SparkflyReportTruncatedError'
    this.rowsRead = details.rowsRead
  }
}

/** A streamed report that is not a JSON array of objects (a row too large, a stray token). Not retryable. */
export class SparkflyReportFormatError extends SparkflyError {
  constructor(message: string, details: SparkflyErrorDetails = {}) {
    super(message, { ...details, retryable: false, applied: SPARKFLY_APPLIED.no })
    this.name = 'SparkflyReportFormatError'
  }
}

/** Largest single row accepted, in characters (a row is a few hundred). */
export const MAX_ROW_CHARS = 64 * 1024

/** Scanner state between chunks: only the current row's text is kept. */
interface Scan {
  started: boolean
  ended: boolean
  depth: number
  inString: boolean
  escaped: boolean
  row: string[]
  rowChars: number
  rows: unknown[]
}

const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t'

/** Handles one character outside a row (before `[`, between rows, after `]`). */
function between(scan: Scan, c: string): void {
  if (isSpace(c) || (scan.started && c === ',')) return
  if (!scan.started && c === '[') {
    scan.started = true
    return
  }
  if (scan.started && !scan.ended && c === ']') {
    scan.ended = true
    return
  }
  if (scan.started && !scan.ended && c === '{') {
    scan.depth = 1
    scan.row.push(c)
    scan.rowChars = 1
    return
  }
  throw new SparkflyReportFormatError(`Unexpected ${JSON.stringify(c)} in a streamed report`)
}

/** Handles one character inside a row; completes the row at its closing brace. */
function inside(scan: Scan, c: string): void {
  scan.row.push(c)
  scan.rowChars += 1
  if (scan.rowChars > MAX_ROW_CHARS) throw new SparkflyReportFormatError('A report row is too large')
  if (scan.inString) {
    if (scan.escaped) scan.escaped = false
    else if (c === '\\') scan.escaped = true
    else if (c === '"') scan.inString = false
    return
  }
  if (c === '"') scan.inString = true
  else if (c === '{' || c === '[') scan.depth += 1
  else if (c === '}' || c === ']') {
    scan.depth -= 1
    if (scan.depth === 0) {
      const text = scan.row.join('')
      scan.row = []
      scan.rowChars = 0
      try {
        scan.rows.push(JSON.parse(text))
      } catch {
        throw new SparkflyReportFormatError('A report row is not valid JSON')
      }
    }
  }
}

function feed(scan: Scan, text: string): void {
  for (const c of text) {
    if (scan.depth > 0) inside(scan, c)
    else between(scan, c)
  }
}

/**
 * Parses a streamed JSON array of objects row by row, in memory bounded by one row and one network chunk: yields
 * each row as soon as its closing brace arrives. Throws {@link SparkflyReportTruncatedError} when the stream ends
 * (or fails) before the array's closing `]`, after yielding every complete row before the cut.
 */
export async function* parseJsonArrayStream(
  chunks: AsyncIterable<Uint8Array>,
  details: Omit<SparkflyErrorDetails, 'cause'> = {},
): AsyncGenerator<unknown> {
  const decoder = new TextDecoder('utf-8', { fatal: false })
  const scan: Scan = {
    started: false,
    ended: false,
    depth: 0,
    inString: false,
    escaped: false,
    row: [],
    rowChars: 0,
    rows: [],
  }
  let yielded = 0
  const truncated = (cause?: unknown) =>
    new SparkflyReportTruncatedError(`The streamed report was cut after ${yielded} complete row(s)`, {
      ...details,
      rowsRead: yielded,
      ...(cause === undefined ? {} : { cause }),
    })
  const iterator = chunks[Symbol.asyncIterator]()
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>
      try {
        next = await iterator.next()
      } catch (error) {
        throw truncated(error)
      }
      if (next.done) break
      feed(scan, decoder.decode(next.value, { stream: true }))
      for (const row of scan.rows.splice(0)) {
        yielded += 1
        yield row
      }
    }
  } finally {
    // A consumer that stops early (time limit) releases the connection.
    if (!scan.ended) await iterator.return?.().catch(() => undefined)
  }
  feed(scan, decoder.decode())
  for (const row of scan.rows.splice(0)) {
    yielded += 1
    yield row
  }
  if (!scan.ended) throw truncated()
}
