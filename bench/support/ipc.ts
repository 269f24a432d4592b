import { type ChildProcess, fork } from 'node:child_process'

/** One request from the bench harness to a child process, and its answer. */
interface Call {
  id: number
  method: string
  params: unknown
}
type Reply = { id: number; result: unknown } | { id: number; error: string }

/** Methods a child offers to the harness. */
export type Methods = Record<string, (params: never) => Promise<unknown> | unknown>

/**
 * Serves `methods` to the parent over the IPC channel of a forked process. The child exits when the parent
 * disconnects, so a crashed harness leaves nothing running.
 */
export function serve(methods: Methods, options: { onDisconnect?: () => Promise<unknown> } = {}): void {
  if (!process.send) throw new Error('bench child processes must be started with fork()')
  process.on('message', (message: Call) => {
    const method = methods[message.method]
    Promise.resolve()
      .then(() => {
        if (!method) throw new Error(`unknown method ${message.method}`)
        return method(message.params as never)
      })
      .then(
        (result) => process.send?.({ id: message.id, result } satisfies Reply),
        (error: unknown) =>
          process.send?.({
            id: message.id,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          } satisfies Reply),
      )
  })
  process.on('disconnect', () => {
    const done = () => process.exit(0)
    if (!options.onDisconnect) return done()
    void options.onDisconnect().then(done, done)
  })
  process.send({ ready: true })
}

export interface ChildOptions {
  /** Node flags, e.g. `['--import', 'tsx']` for a TypeScript entry. */
  execArgv?: string[]
  env?: Record<string, string | undefined>
  /** What the child printed on stderr is kept (last lines) and shown if it fails. */
  label: string
}

/** A forked child that answers {@link serve} calls. Only this harness's own children are ever stopped. */
export class Child {
  private readonly process: ChildProcess
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private next = 0
  private stderr = ''
  private readonly ready: Promise<void>

  constructor(entry: string, options: ChildOptions) {
    this.process = fork(entry, [], {
      execArgv: options.execArgv ?? [],
      env: options.env ?? process.env,
      // stdout is where Lambda code writes its logs and EMF metrics: discarded, as the Lambda runtime ships it.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    this.process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000)
    })
    this.ready = new Promise((resolve, reject) => {
      const onExit = (code: number | null) => {
        const error = new Error(`${options.label} exited (${code}) before it was ready:\n${this.stderr}`)
        reject(error)
        for (const waiter of this.pending.values()) waiter.reject(error)
      }
      this.process.once('exit', onExit)
      this.process.on('message', (message: Reply | { ready: true }) => {
        if ('ready' in message) {
          this.process.off('exit', onExit)
          this.process.once('exit', (code) => {
            const error = new Error(`${options.label} exited (${code}):\n${this.stderr}`)
            for (const waiter of this.pending.values()) waiter.reject(error)
            this.pending.clear()
          })
          resolve()
          return
        }
        const waiter = this.pending.get(message.id)
        if (!waiter) return
        this.pending.delete(message.id)
        if ('error' in message)
          waiter.reject(new Error(`${options.label}: ${message.error}\n${this.stderr.slice(-1500)}`))
        else waiter.resolve(message.result)
      })
    })
  }

  get pid(): number | undefined {
    return this.process.pid
  }

  async call<T>(method: string, params: unknown = {}): Promise<T> {
    await this.ready
    const id = ++this.next
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.process.send({ id, method, params } satisfies Call)
    })
  }

  /** Disconnects (the child exits on its own); kills this child by its PID if it has not exited after 5 s. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()))
    if (this.process.connected) this.process.disconnect()
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
}
