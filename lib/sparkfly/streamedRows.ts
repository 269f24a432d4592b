import * as z from '../validation/zod'
import { SparkflyContractError } from './errors'
import { parseJsonArrayStream, SparkflyReportTruncatedError } from './jsonArrayStream'
import type { SparkflyOperation } from './operations'
import type { RawResponse } from './request'

/**
 * The parser of a streamed answer: an async iterable over the rows of the JSON array in `response.body`, each
 * checked with `row` as it arrives. A row that does not match throws {@link SparkflyContractError}; a cut stream
 * throws {@link SparkflyReportTruncatedError} after the complete rows.
 */
export function streamedRows(row: z.core.$ZodType) {
  return (response: RawResponse, operation: SparkflyOperation): AsyncIterable<unknown> => {
    const details = { operation, status: response.status, requestId: response.requestId }
    const body = response.body
    return {
      async *[Symbol.asyncIterator]() {
        if (!body)
          throw new SparkflyReportTruncatedError('The streamed report had no body', {
            ...details,
            rowsRead: 0,
          })
        let index = 0
        for await (const value of parseJsonArrayStream(body as AsyncIterable<Uint8Array>, details)) {
          const parsed = z.safeParse(row, value)
          if (!parsed.success) {
            const issue = parsed.error.issues[0]
            const path = `[${index}]${issue?.path.length ? `.${issue.path.join('.')}` : ''}`
            throw new SparkflyContractError(
              `Sparkfly ${operation} streamed a row that does not match: ${path}`,
              {
                ...details,
                path,
              },
            )
          }
          index += 1
          yield parsed.data
        }
      },
    }
  }
}
