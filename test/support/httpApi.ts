import { resolve } from 'node:path'
import { type HttpApi, startHttpApi } from '../../local/runtime/httpApi'
import { handlerResolver, loadServerlessConfig } from '../../local/runtime/serverlessConfig'

const ROOT = resolve(__dirname, '../..')

/**
 * Starts the local HTTP API (API Gateway's routes and JWT authorizers from serverless.yml, stage `test`) serving
 * only the function `key`, its handler imported in this process as Lambda would call it.
 *
 * @example
 * const api = await startFunctionApi('redeemWebhook')
 */
export async function startFunctionApi(key: string): Promise<HttpApi> {
  const config = loadServerlessConfig({ rootDir: ROOT, stage: 'test', env: {} })
  const fn = config.functions.find((candidate) => candidate.key === key)
  if (!fn) throw new Error(`serverless.yml declares no ${key} function`)
  return startHttpApi({
    config: { functions: [fn], authorizers: config.authorizers },
    resolveHandler: handlerResolver({ rootDir: ROOT, importModule: (path) => import(path) }),
  })
}
