export type { Context } from 'aws-lambda'
export type { AuthorizerTarget, HttpApi, HttpApiOptions, HttpRequestLog, HttpRoute } from './httpApi'
export { API_GATEWAY_LIMITS, startHttpApi, translateResult } from './httpApi'
export type { InvocationOutcome, LambdaContextOptions, LambdaHandler } from './lambda'
export { createLambdaContext, invokeHandler, LOCAL_ACCOUNT_ID } from './lambda'
export type { StaffTokenClaims } from './localIdp'
export { LOCAL_AUDIENCE, LOCAL_ISSUER, localJwks, mintStaffToken } from './localIdp'
export type { ScheduledRunReport, Scheduler, SchedulerOptions, SchedulerStats } from './scheduler'
export { scheduledEvent, startScheduler } from './scheduler'
export type {
  FunctionConfig,
  FunctionEvent,
  HandlerResolver,
  HttpApiEvent,
  JwtAuthorizerConfig,
  LoadServerlessConfigOptions,
  ModuleImporter,
  ScheduleEvent,
  ServerlessConfig,
  SqsEvent,
} from './serverlessConfig'
export { handlerResolver, loadServerlessConfig, rateToMs, stringEnvironment } from './serverlessConfig'
export type {
  InvocationReport,
  SqsEventSource,
  SqsEventSourceOptions,
  SqsEventSourceStats,
} from './sqsEventSource'
export { InvocationStatus, recordsToDelete, startSqsEventSource, toSqsRecord } from './sqsEventSource'
