import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Local SQS: fauxqs (in memory) started through its `buildApp` API so that it binds 127.0.0.1 only
 * (its `startFauxqs` binds 0.0.0.0). The SQS store's URL host is set to '' so queue URLs are built
 * from the request's Host header: `http://127.0.0.1:<port>/000000000000/<name>`, which the SDK can
 * reach without any DNS trick. fauxqs is ESM-only and keeps its stores out of its exports map, so
 * they are imported from its dist folder by file URL.
 */

export interface LocalSqs {
  /** Endpoint URL, e.g. `http://127.0.0.1:41235`. */
  url: string
  stop(): Promise<void>
}

interface FauxqsStores {
  sqsStore: { host: string; region?: string }
  snsStore: { region?: string }
  s3Store: object
}

function fauxqsDist(): string {
  const candidates = createRequire(__filename).resolve.paths('fauxqs') ?? []
  for (const base of candidates) {
    const dist = join(base, 'fauxqs', 'dist')
    if (existsSync(join(dist, 'sqs', 'sqsStore.js'))) return dist
  }
  throw new Error('fauxqs is not installed (npm ci installs it as a dev dependency)')
}

async function importDist<T>(dist: string, file: string): Promise<T> {
  return (await import(pathToFileURL(join(dist, file)).href)) as T
}

async function createStores(region: string): Promise<FauxqsStores> {
  const dist = fauxqsDist()
  const [{ SqsStore }, { SnsStore }, { S3Store }] = await Promise.all([
    importDist<{ SqsStore: new () => FauxqsStores['sqsStore'] }>(dist, 'sqs/sqsStore.js'),
    importDist<{ SnsStore: new () => FauxqsStores['snsStore'] }>(dist, 'sns/snsStore.js'),
    importDist<{ S3Store: new () => FauxqsStores['s3Store'] }>(dist, 's3/s3Store.js'),
  ])
  const sqsStore = new SqsStore()
  sqsStore.host = ''
  sqsStore.region = region
  const snsStore = new SnsStore()
  snsStore.region = region
  return { sqsStore, snsStore, s3Store: new S3Store() }
}

/** Starts fauxqs on `host:port` (default 127.0.0.1, a free port). */
export async function startSqs(
  options: { port?: number; host?: string; region?: string } = {},
): Promise<LocalSqs> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1'
  const host = options.host ?? '127.0.0.1'
  const { buildApp } = await import('fauxqs')
  const stores = await createStores(region)
  const app = buildApp({
    logger: false,
    defaultRegion: region,
    stores: stores as unknown as NonNullable<Parameters<typeof buildApp>[0]>['stores'],
  })
  await app.listen({ port: options.port ?? 0, host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    url: `http://${host}:${port}`,
    stop: () => app.close(),
  }
}
