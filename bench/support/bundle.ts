import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild'
import { parse } from 'yaml'

/** Root of the project (bench/support/..). */
export const ROOT = join(__dirname, '..', '..')

/** The keys of serverless.yml `custom.esbuild` that esbuild itself understands (the others are the plugin's). */
interface ServerlessEsbuild {
  bundle?: boolean
  minify?: boolean
  sourcemap?: boolean
  target?: string
  platform?: 'node'
  format?: 'cjs' | 'esm'
  keepNames?: boolean
  mainFields?: string[]
  exclude?: string[]
  external?: string[]
  alias?: Record<string, string>
}

/**
 * The esbuild options that `serverless package` uses, read from serverless.yml `custom.esbuild` (so the bench follows
 * the file): `exclude` / `external` become esbuild externals (`exclude: []` = the AWS SDK is bundled).
 */
export function serverlessEsbuildOptions(): BuildOptions {
  const file = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'error' }) as {
    custom?: { esbuild?: ServerlessEsbuild }
  }
  const options = file.custom?.esbuild
  if (!options) throw new Error('serverless.yml has no custom.esbuild')
  return {
    bundle: options.bundle ?? true,
    minify: options.minify ?? false,
    sourcemap: options.sourcemap ?? false,
    target: options.target,
    platform: options.platform ?? 'node',
    format: options.format ?? 'cjs',
    keepNames: options.keepNames ?? false,
    ...(options.mainFields ? { mainFields: options.mainFields } : {}),
    ...(options.alias ? { alias: options.alias } : {}),
    external: [...(options.exclude ?? []), ...(options.external ?? [])],
  }
}

/**
 * What is built: `current` = the code and serverless.yml as they are; `before` = the same code with the levers of
 * docs/performance.md undone (the SDK's default credential chain left in, `fetch` as the Sparkfly transport), so
 * one run measures each lever before and after on the same machine.
 */
export type BundleVariant = 'current' | 'before'

/** Makes `fetch` the Sparkfly client's default transport again (the `before` variant). */
const fetchAsDefaultTransport: Plugin = {
  name: 'fetch-as-default-transport',
  setup(plugin) {
    plugin.onLoad({ filter: /lib[\\/]sparkfly[\\/]transport\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
      const swapped = source.replace(
        /(defaultTransport: SparkflyTransport = )nodeHttpTransport/,
        '$1fetchTransport',
      )
      if (swapped === source) throw new Error('bench variant: defaultTransport not found in transport.ts')
      return { contents: swapped, loader: 'ts' }
    })
  },
}

/** The esbuild options of `variant`. */
function variantOptions(variant: BundleVariant): BuildOptions {
  const options = serverlessEsbuildOptions()
  if (variant === 'current') return options
  const { alias: _alias, ...withoutAlias } = options
  return { ...withoutAlias, plugins: [fetchAsDefaultTransport] }
}

export interface BuiltBundle {
  name: string
  file: string
  bytes: number
  metafile: Metafile
}

/** Bundles one entry point to `<outdir>/<name>.js` with the serverless.yml options (of `variant`). */
export async function bundle(
  name: string,
  entry: string,
  outdir: string,
  variant: BundleVariant = 'current',
): Promise<BuiltBundle> {
  const file = join(outdir, `${name}.js`)
  const result = await build({
    ...variantOptions(variant),
    entryPoints: [entry],
    outfile: file,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: ROOT,
  })
  const output = Object.values(result.metafile.outputs)[0]
  return { name, file, bytes: output?.bytes ?? 0, metafile: result.metafile }
}

/** The package (or project folder) an input of the metafile belongs to. */
function owner(input: string): string {
  const parts = input.split('/')
  const at = parts.lastIndexOf('node_modules')
  if (at >= 0) {
    const scoped = parts[at + 1]?.startsWith('@')
    return parts.slice(at + 1, at + (scoped ? 3 : 2)).join('/')
  }
  return parts.length > 1 ? `${parts[0]}/` : input
}

/** Bytes in the output per package (AWS SDK packages, middy, zod...) or project folder, largest first. */
export function contributors(metafile: Metafile): { owner: string; bytes: number }[] {
  const totals = new Map<string, number>()
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const key = owner(input)
      totals.set(key, (totals.get(key) ?? 0) + bytesInOutput)
    }
  }
  return [...totals].map(([key, bytes]) => ({ owner: key, bytes })).sort((a, b) => b.bytes - a.bytes)
}
