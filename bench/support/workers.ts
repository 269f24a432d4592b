import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BundleVariant, bundle, ROOT } from './bundle'
import { Child } from './ipc'

/**
 * Bench workers are built like the functions (serverless.yml esbuild options: minified, SDK inside) and run with
 * plain `node`, so what they measure is the handler as Lambda loads it, not TypeScript compiled on the fly.
 */
export class WorkerBundles {
  readonly dir = mkdtempSync(join(tmpdir(), 'bench-workers-'))
  private readonly built = new Map<string, Promise<string>>()

  /** The bundle of `bench/workers/<name>.ts` (as `variant`), built once. */
  file(name: string, variant: BundleVariant = 'current'): Promise<string> {
    const key = `${name}-${variant}`
    let file = this.built.get(key)
    if (!file) {
      const entry = join(ROOT, 'bench', 'workers', `${name}.ts`)
      file = bundle(key, entry, this.dir, variant).then((b) => b.file)
      this.built.set(key, file)
    }
    return file
  }

  /** A fresh worker process (a cold "container") running `bench/workers/<name>.ts` with `env`. */
  async start(
    name: string,
    env: Record<string, string>,
    execArgv: string[] = [],
    variant: BundleVariant = 'current',
  ): Promise<Child> {
    return new Child(await this.file(name, variant), { env, execArgv, label: `worker ${name} (${variant})` })
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}
