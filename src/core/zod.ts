/**
 * zod for raptr's schemas: `zod/mini`, the functional API (z.optional(x),
 * z.string().check(z.regex(r))), which a bundler keeps only the used parts of,
 * with zod's English messages ("Invalid input: expected string, received number")
 * that classic zod sets on import and mini leaves out.
 *
 * Import it as a namespace (`import * as z`), so the bundle keeps only what is used.
 *
 * @example import * as z from '../core/zod.js'; z.object({name: z.string()}).parse(data)
 */
import {config} from 'zod/mini'
import {en} from 'zod/locales'

config(en())

export * from 'zod/mini'
