// `npm start`: the whole system on this machine, until Ctrl-C.
import { relative } from 'node:path'
import { startLocalSystem } from './system'

const arg = (name: string) => {
  const index = process.argv.indexOf(`--${name}`)
  return index >= 0 ? process.argv[index + 1] : undefined
}

async function main() {
  const started = Date.now()
  const system = await startLocalSystem({
    importModule: (path) => import(path),
    httpPort: Number(arg('port') ?? process.env.PORT ?? 0),
    schedulePeriodMs: Number(arg('schedule-ms') ?? process.env.LOCAL_SCHEDULE_MS ?? 60_000),
    log: (line) => console.error(line),
  })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const lines = [
    `Sparkfly offer lifecycle: running locally (started in ${seconds} s)`,
    '',
    `  Sparkfly sandbox   ${system.sandbox.url}   (admin: ${system.sandbox.origin}/_sandbox)`,
    `  HTTP API           ${system.httpApi.url}`,
    ...system.httpApi.routes.map(
      (r) =>
        `                       ${r.routeKey.padEnd(44)} -> ${r.functionKey}${r.authorizer ? ` (JWT: ${r.authorizer})` : ''}`,
    ),
    `  SQS                ${system.aws.endpoints.sqs}`,
    ...Object.entries(system.eventSources).map(([fn]) => `                       poller -> ${fn}`),
    `  DynamoDB           ${system.aws.endpoints.dynamodb}   (tables: ${Object.values(system.aws.tables).join(', ')})`,
    `  Secrets Manager    ${system.aws.endpoints.secretsManager}`,
    `  Schedules          ${Object.keys(system.schedules).join(', ') || '(none)'}`,
    '',
    `  Endpoints, staff token and local webhook secret: ${relative(process.cwd(), '.local/endpoints.json')}`,
    '  Try it: npm run demo        Stop: Ctrl-C',
  ]
  console.log(lines.join('\n'))

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.log(`\n${signal}: stopping...`)
    await system.stop()
    console.log('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error) => {
  console.error('Could not start the local system:', error)
  process.exit(1)
})
