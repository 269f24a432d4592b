import { PermanentError } from '../errors'

/** One problem of an invalid redemption body: which field and why (never the value sent). */
export interface FieldProblem {
  field: string
  problem: string
}

/**
 * The redemption body breaks the contract (contracts §3). Carries each field's problem; the HTTP edge answers 400
 * with them. Retrying the same body cannot succeed.
 */
export class InvalidRedemptionRequest extends PermanentError {
  override name = 'InvalidRedemptionRequest'
  constructor(readonly problems: readonly FieldProblem[]) {
    super('invalid_body', problems.map((p) => `${p.field} ${p.problem}`).join('; '))
  }
}
