import * as z from '../validation/zod'
import {
  type OperationArgs,
  type OperationResult,
  type OperationSpec,
  SPARKFLY_OPERATIONS,
  type SparkflyOperation,
} from './operations'
import {
  authTokenHeader,
  type CallSpec,
  jsonBody,
  noBody,
  type RequestOptions,
  type SparkflyRequester,
} from './request'
import { streamedRows } from './streamedRows'
import { parseArguments } from './validation'

type Parser = CallSpec<unknown>['parse']

const parsers = new Map<SparkflyOperation, Parser>()

/** `{"<key>": item}` -> item. */
function unwrapKey(key: string, item: z.core.$ZodType) {
  return z.pipe(
    z.looseObject({ [key]: item }),
    z.transform((body: Record<string, unknown>) => body[key]),
  )
}

function buildParser(spec: OperationSpec): Parser {
  if (spec.unwrap === 'empty') return noBody
  if (spec.unwrap === 'stream') {
    if (!spec.response) throw new Error(`Sparkfly operation ${spec.path} declares no row schema`)
    return streamedRows(spec.response())
  }
  if (spec.unwrap === 'authToken') return authTokenHeader
  if (!spec.response) throw new Error(`Sparkfly operation ${spec.path} declares no response schema`)
  const schema = spec.response()
  return jsonBody(spec.unwrap === 'page' || spec.unwrap === 'body' ? schema : unwrapKey(spec.unwrap, schema))
}

/**
 * The parser of an operation's 2xx answer, built from its declaration (response schema + unwrap) on first
 * use and kept for the container's life.
 */
export function responseParser<N extends SparkflyOperation>(
  operation: N,
): CallSpec<OperationResult<N>>['parse'] {
  let parser = parsers.get(operation)
  if (!parser) {
    parser = buildParser(SPARKFLY_OPERATIONS[operation])
    parsers.set(operation, parser)
  }
  return parser as CallSpec<OperationResult<N>>['parse']
}

/**
 * Turns the declaration of `operation` into a call: validates the arguments with its `params`, `query` and
 * `body` schemas (throwing {@link SparkflyInvalidArgumentError} before any request), fills the path, sends it
 * through the request layer and parses the answer with its response schema.
 *
 * @example
 * ```ts
 * const state = await callOperation(request, 'offerStates.get', { params: { member_id: 42, id: 7 } })
 * ```
 */
export async function callOperation<N extends SparkflyOperation>(
  request: SparkflyRequester,
  operation: N,
  input: OperationArgs<N>,
  options?: RequestOptions,
): Promise<OperationResult<N>> {
  const spec: OperationSpec = SPARKFLY_OPERATIONS[operation]
  const { params, query, body } = input as { params?: unknown; query?: unknown; body?: unknown }
  return request(
    {
      operation,
      params: spec.params ? parseArguments(spec.params(), params, 'params') : undefined,
      query: spec.query ? parseArguments(spec.query(), query ?? {}, 'query') : undefined,
      body: spec.body ? parseArguments(spec.body(), body, 'body') : undefined,
      parse: responseParser(operation),
      ...(spec.unwrap === 'stream' ? { stream: true } : {}),
    } as CallSpec<OperationResult<N>>,
    options,
  )
}

/** A client's operations, each a call of {@link callOperation} through its request function. */
export type OperationCaller = <N extends SparkflyOperation>(
  operation: N,
  input: OperationArgs<N>,
  options?: RequestOptions,
) => Promise<OperationResult<N>>

/** Binds {@link callOperation} to one client's request function (what the resource classes hold). */
export function operationCaller(request: SparkflyRequester): OperationCaller {
  return (operation, input, options) => callOperation(request, operation, input, options)
}
