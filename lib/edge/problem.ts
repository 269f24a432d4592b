import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { callFailure } from '../offers/errors'
import { HttpProblem } from './errors'

/** RFC 7807 problem details as this service answers them. */
export interface ProblemDocument {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  [extension: string]: unknown
}

const PROBLEM_TYPE_BASE = 'urn:offer-lifecycle:problem:'

const slug = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')

/** The `application/problem+json` response for `problem`. */
export function problemResponse(
  problem: HttpProblem,
  instance?: string,
): APIGatewayProxyStructuredResultV2 & { statusCode: number; headers: Record<string, string>; body: string } {
  const document: ProblemDocument = {
    type: `${PROBLEM_TYPE_BASE}${slug(problem.title)}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    ...(instance ? { instance } : {}),
    ...problem.extensions,
  }
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.headers },
    body: JSON.stringify(document),
  }
}

interface ErrorLike {
  message?: string
  statusCode?: number
  expose?: boolean
}

/** Default Retry-After (seconds) when Sparkfly gave none. */
const DEFAULT_RETRY_AFTER_SECONDS = 5

/**
 * Maps anything thrown in an HTTP handler to the problem the caller sees. Only errors meant for the caller (status
 * < 500) expose their message; Sparkfly trouble becomes 502/503 with a generic detail; anything else is a 500 whose
 * detail only carries the request id, to find it in the logs.
 */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error
  const e = (error ?? {}) as ErrorLike
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 && e.expose !== false) {
    return new HttpProblem(
      e.statusCode,
      e.message ?? 'Bad request',
      e.message ?? 'The request was not accepted.',
    )
  }
  const failure = callFailure(error)
  if (failure?.unavailable) {
    const seconds = Math.max(
      1,
      Math.ceil((failure.retryAfterMs ?? DEFAULT_RETRY_AFTER_SECONDS * 1000) / 1000),
    )
    return new HttpProblem(
      503,
      'Sparkfly unavailable',
      'The offers platform is busy or unreachable. Retry after the number of seconds in Retry-After.',
      {},
      { 'retry-after': String(seconds) },
    )
  }
  if (failure) {
    return new HttpProblem(
      502,
      'Sparkfly error',
      'The offers platform answered with an error. Try again or escalate.',
    )
  }
  return new HttpProblem(
    500,
    'Internal error',
    'Something went wrong on our side. Quote the instance id to support.',
  )
}
