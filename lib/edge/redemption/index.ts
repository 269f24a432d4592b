// The POS webhook's HTTP side: answers and problems, answer metrics, the request's 400, the handler body.

export {
  invalidBody,
  type RedemptionAnswer,
  RedemptionProblems,
  redemptionRequest,
  redemptionResponse,
} from './answers'
export {
  RedemptionAnswerMetric,
  redemptionAnswerMetrics,
  reportRedemption,
  signatureRefused,
} from './metrics'
export { redeemWebhook } from './webhook'
