import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import type { LedgerEntry } from './types'

/** A conditional state change lost: the offer is no longer in a state that allows it. Carries the current entry. */
export class LedgerConflictError extends Error {
  override name = 'LedgerConflictError'
  constructor(
    message: string,
    readonly current: LedgerEntry | undefined,
  ) {
    super(message)
  }
}

/** Did a DynamoDB write lose its condition? Read from the SDK's exception class (or its wire name from a mock). */
export const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'
