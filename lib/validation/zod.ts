/**
 * The project's zod: the tree-shakable `zod/mini` API with English issue messages.
 *
 * `zod/mini` loads no locale, so without `config(en())` every issue message would read "Invalid input"; classic
 * `zod` registers English itself. Every schema module imports zod from here so the messages that reach callers
 * (400 answers, configuration and Sparkfly contract errors) stay as they were.
 *
 * Import it as a namespace (`import * as z from '../validation/zod'`): bundlers then keep only the functions a
 * function uses. Importing the `z` object itself would pull all of zod back into the bundle.
 *
 * @example
 * import * as z from '../validation/zod'
 * const schema = z.object({ name: z.string().check(z.minLength(1)) })
 */
import { en } from 'zod/locales'
import { config } from 'zod/mini'

config(en())

export * from 'zod/mini'
