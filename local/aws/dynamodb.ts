import dynalite from 'dynalite'
import { close, listen } from './http'

/**
 * Local DynamoDB: dynalite with its in-memory store (memory-level, pure JS: no `path` is given, so
 * no LevelDB directory is opened). dynalite still `require`s the native classic-level binding at load
 * time; npm skipped its install script, which only compiles when no prebuilt binary fits, and the
 * package ships prebuilds for linux/darwin/win32 (x64, arm64), so it loads without a compiler.
 * Tables become ACTIVE at once.
 * Not supported by dynalite: TransactWriteItems/TransactGetItems, UpdateTimeToLive (TTL is never
 * applied locally), PartiQL.
 */

export interface LocalDynamoDb {
  /** Endpoint URL, e.g. `http://127.0.0.1:41236`. */
  url: string
  stop(): Promise<void>
}

/** Starts dynalite on `host:port` (default 127.0.0.1, a free port). */
export async function startDynamoDb(options: { port?: number; host?: string } = {}): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  const host = options.host ?? '127.0.0.1'
  const port = await listen(server, options.port ?? 0, host)
  return { url: `http://${host}:${port}`, stop: () => close(server) }
}
