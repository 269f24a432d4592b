import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundle, ROOT } from './bundle'
import { Child } from './ipc'

/**
 * Bench workers are built like the functions (serverless.yml esbuild options: minified, SDK inside) and run with
 * plain `node`, so what they measure is the handler as Lambda loads it, not TypeScript compiled on the fly.
 */
export class WorkerBundles {
  readonly dir = mkdtempSync(join(tmpdir(), 'bench-workers-'))
  private readonly built = new Map<string, Promise<string>>()

  /** The bundle of `bench/workers/<name>.ts`, built once. */
  file(name: string): Promise<string> {
    let file = this.built.get(name)
    if (!file) {
      file = bundle(name, join(ROOT, 'bench', 'workers', `${name}.ts`), this.dir).then((b) => b.file)
      this.built.set(name, file)
    }
    return file
  }

  /** A fresh worker process (a cold "container") running `bench/workers/<name>.ts` with `env`. */
  async start(name: string, env: Record<string, string>, execArgv: string[] = []): Promise<Child> {
    return new Child(await this.file(name), { env, execArgv, label: `worker ${name}` })
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
