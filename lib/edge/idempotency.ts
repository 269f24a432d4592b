import { createHash } from 'node:crypto'
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import type { Context } from 'aws-lambda'
import { dynamoDbClient } from '../aws/clients'
import { HttpProblem } from './errors'
import type { HttpResult } from './http'
import { problemResponse } from './problem'

export interface HttpIdempotencyOptions {
  /** The Powertools idempotency table. */
  tableName: string
  /** Namespace of the keys (e.g. `webhook`, `staff-void`), so two APIs never share a key. */
  scope: string
  /** How long an answer is replayed (default 24 h, like Stripe). */
  expiresAfterSeconds?: number
  /** How long a concurrent retry waits for the first delivery's answer before a 503 (default 5 s). */
  waitForInFlightMs?: number
}

interface IdempotencyInput {
  key: string
  fingerprint: string
}

/** Statuses that are the request's final answer and are replayed to a retry; others (5xx) let the retry run again. */
const isFinal = (status: number) => status < 500

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The answers this layer gives of its own (documented for callers in the OpenAPI descriptions). */
export const IdempotencyProblems = {
  /** The same key was already used with another body. */
  keyReused: () =>
    new HttpProblem(
      422,
      'Idempotency key reused',
      'This idempotency key was already used with a different request body.',
    ),
  /** The first request with this key is still running after the wait: retry it. */
  inProgress: () =>
    new HttpProblem(
      503,
      'Request in progress',
      'The same request is still being processed. Retry after the number of seconds in Retry-After.',
      {},
      { 'retry-after': '1' },
    ),
} as const

/**
 * The stored, replayable answer of an operation that threw `error`: a final refusal (an {@link HttpProblem} < 500)
 * becomes its problem+json response (without `instance`, so a replay is byte-identical); anything else is
 * undefined (not stored: the retry runs again).
 */
export function finalAnswer(error: unknown): HttpResult | undefined {
  return error instanceof HttpProblem && isFinal(error.status) ? problemResponse(error) : undefined
}

/** SHA-256 of the exact request body: the same key with another body is refused. */
export function fingerprint(rawBody: string): string {
  return createHash('sha256').update(rawBody, 'utf8').digest('base64url')
}

/**
 * Makes an HTTP operation idempotent by a caller-supplied key (a staff tool's `Idempotency-Key`), with Powertools
 * idempotency on DynamoDB (the POS webhook keeps its own delivery records, `lib/ledger/intents.ts`, which also
 * hold its redemption intents):
 * - the first request runs; its answer (status, headers, body) is stored when it is final (< 500);
 * - a retry with the same key and body gets the stored answer without running again;
 * - a retry that arrives while the first is still running waits for its answer (up to `waitForInFlightMs`), then
 *   answers 503 with Retry-After;
 * - the same key with a different body is refused with 422.
 *
 * @example
 * const idempotent = httpIdempotency({ tableName, scope: 'staff-void' })
 * return idempotent.run(key, fingerprint, context, () => voidIt(...))
 */
export function httpIdempotency(options: HttpIdempotencyOptions) {
  let runner: ((input: IdempotencyInput, work: () => Promise<HttpResult>) => Promise<HttpResult>) | undefined
  let config: IdempotencyConfig | undefined

  const build = () => {
    config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'fingerprint',
      expiresAfterSeconds: options.expiresAfterSeconds ?? 24 * 3600,
      throwOnNoIdempotencyKey: true,
    })
    const persistenceStore = new DynamoDBPersistenceLayer({
      tableName: options.tableName,
      awsSdkV3Client: dynamoDbClient(),
    })
    runner = makeIdempotent(
      async (_input: IdempotencyInput, work: () => Promise<HttpResult>): Promise<HttpResult> => {
        try {
          return await work()
        } catch (error) {
          // A final refusal (404, 409, 410, 422...) is this request's answer: store it so a retry gets the same.
          const answer = finalAnswer(error)
          if (answer) return answer
          throw error
        }
      },
      { persistenceStore, config, dataIndexArgument: 0 },
    )
    return runner
  }

  return {
    /** Runs `work` at most once per key; see {@link httpIdempotency}. */
    async run(
      key: string,
      rawBody: string,
      context: Context,
      work: () => Promise<HttpResult>,
    ): Promise<HttpResult> {
      const run = runner ?? build()
      config?.registerLambdaContext(context)
      const input = { key: `${options.scope}:${key}`, fingerprint: fingerprint(rawBody) }
      const deadline = Date.now() + (options.waitForInFlightMs ?? 5_000)
      for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
        try {
          return await run(input, work)
        } catch (error) {
          if (error instanceof IdempotencyValidationError) throw IdempotencyProblems.keyReused()
          if (!(error instanceof IdempotencyAlreadyInProgressError)) throw error
          if (Date.now() + delay > deadline) throw IdempotencyProblems.inProgress()
          await sleep(delay)
        }
      }
    },
  }
}
