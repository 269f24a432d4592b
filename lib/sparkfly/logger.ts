import { Logger } from '@aws-lambda-powertools/logger'

/**
 * The logging surface the client uses; a Powertools `Logger` satisfies it. The client logs the method,
 * path template, status, duration, request id and attempt of each call, never tokens, keys or bodies.
 */
export interface SparkflyLogger {
  debug(message: string, attributes: Record<string, unknown>): void
  info(message: string, attributes: Record<string, unknown>): void
  warn(message: string, attributes: Record<string, unknown>): void
  error(message: string, attributes: Record<string, unknown>): void
}

let defaultLogger: SparkflyLogger | undefined

/** The client's default logger: a Powertools `Logger` with service name `sparkfly-client`, created once. */
export function getDefaultSparkflyLogger(): SparkflyLogger {
  defaultLogger ??= new Logger({ serviceName: 'sparkfly-client' })
  return defaultLogger
}
