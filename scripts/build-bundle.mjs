#!/usr/bin/env node
// Builds the CLI that ships: one minified ESM file, dist/raptr.js, holding oclif, raptr's
// commands and what they need before parsing, plus chunks (dist/chunks/) for the modules
// commands import lazily. Start-up reads one file instead of several hundred modules.
//
// The command index (`COMMANDS`, id → command class, oclif's "explicit" command loading)
// is generated here from src/commands/**, so a new command file is picked up by the next
// build: package/list.ts is `package list`, pin/index.ts is `pin`. oclif's plugins (help,
// version, autocomplete) stay in node_modules: oclif reads their manifests at start-up
// and loads their code only when one of their commands runs.
//
// Heavy or native libraries stay outside the bundle and load from node_modules when a
// command first imports them (see EXTERNAL).
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {build} from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const src = path.join(root, 'src')

/** Loaded lazily by the commands that need them; kept out of the bundle. */
export const EXTERNAL = [
  '@aws-sdk/*', // large, and its own lazy loading of credential providers
  '@napi-rs/lzma', '@napi-rs/lzma/*', // a native addon
  'openpgp', 'isomorphic-git', 'fzstd', 'xz-decompress',
  '@oclif/plugin-not-found', // only at an interactive terminal, after a typo
  'typescript', 'ts-node', // oclif's development mode only
]

/** Every command file under src/commands, as [oclif id, path relative to src]. */
function commandFiles() {
  const out = []
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const rel = path.relative(path.join(src, 'commands'), file).replace(/\.ts$/, '').split(path.sep)
        if (rel.at(-1) === 'index') rel.pop()
        out.push([rel.join(':'), `./${path.relative(src, file).split(path.sep).join('/')}`])
      }
    }
  }
  walk(path.join(src, 'commands'))
  return out
}

/**
 * Packages oclif requires when it loads but uses only on some paths: each is bundled
 * behind a proxy that requires it on first use (the glob of oclif's "pattern" command
 * loading, the spinner frames).
 */
export const LAZY = ['tinyglobby', 'cli-spinners', 'node:readline', 'node:perf_hooks']

/**
 * Packages oclif calls at every start with input that needs no work, answered directly
 * (anything else goes to the real package, required on first use):
 * - ejs: oclif renders every help text as a template; text without `<%` is itself.
 * - minimatch: oclif matches its plugin list against the dependencies; a name without
 *   glob characters (nor a leading `!` or `#`) matches only itself.
 */
const SHORTCUTS = {
  ejs: `exports.render = (text, ...rest) => (typeof text === 'string' && !text.includes('<%') ? text : real().render(text, ...rest))`,
  minimatch: `exports.minimatch = (name, pattern, ...rest) => (rest.length === 0 && typeof pattern === 'string' && !/[*?[\\]{}()\\\\]|^[!#]/.test(pattern) ? name === pattern : real().minimatch(name, pattern, ...rest))`,
}

/**
 * oclif checks the Node version against the engines of the package.json beside its
 * own files, which the bundle does not have (npm checks raptr's engines at install):
 * semver is loaded for nothing, so it is left out.
 */
const STUBS = {semver: 'module.exports = {satisfies: () => true}'}

/** A module whose own `exports` come first and whose other properties are the real package's, required on first use. */
function lazyModule(realPath, own = '') {
  return [
    'let loaded',
    `const real = () => (loaded ??= require(${JSON.stringify(realPath)}))`,
    own,
    "module.exports = new Proxy(exports, {get: (t, k) => (k in t ? t[k] : k === '__esModule' ? undefined : real()[k]), has: (t, k) => k in t || k in real()})",
  ].join('\n')
}

const lazyRequire = {
  name: 'lazy-require',
  setup(b) {
    const names = [...LAZY, ...Object.keys(SHORTCUTS), ...Object.keys(STUBS)]
    const filter = new RegExp(`^(${names.join('|')})$`)
    b.onResolve({filter}, async (args) => {
      if (args.pluginData?.real) return undefined
      if (STUBS[args.path]) return {path: args.path, namespace: 'stub'}
      // A Node built-in (oclif's readline, for reading stdin; its perf_hooks, for timing
      // under OCLIF_PERFORMANCE): required by its bare name, which this filter lets pass.
      if (args.path.startsWith('node:')) return {path: args.path.slice(5), namespace: 'lazy', pluginData: {name: args.path}}
      const real = await b.resolve(args.path, {kind: args.kind, resolveDir: args.resolveDir, pluginData: {real: true}})
      if (real.errors.length) return {errors: real.errors}
      return {path: real.path, namespace: 'lazy', pluginData: {name: args.path}}
    })
    b.onLoad({filter: /.*/, namespace: 'stub'}, (args) => ({contents: STUBS[args.path], loader: 'js'}))
    b.onLoad({filter: /.*/, namespace: 'lazy'}, (args) => ({
      contents: lazyModule(args.path, SHORTCUTS[args.pluginData.name] ?? ''),
      loader: 'js',
      resolveDir: path.isAbsolute(args.path) ? path.dirname(args.path) : root,
    }))
  },
}

const commands = commandFiles()
const entry = [
  `export {main} from './cli/main.ts'`,
  `export {default as RaptrHelp} from './cli/help.ts'`,
  `export {default as commandNotFound} from './cli/not-found.ts'`,
  ...commands.map(([, file], i) => `import C${i} from ${JSON.stringify(file)}`),
  `export const COMMANDS = {${commands.map(([id], i) => `${JSON.stringify(id)}: C${i}`).join(', ')}}`,
].join('\n')

// oclif is CommonJS: inside an ES module its `require`, `__filename` and `__dirname` need defining.
const banner = [
  `import {createRequire as __raptrRequire} from 'node:module'`,
  `import {fileURLToPath as __raptrPath} from 'node:url'`,
  `const require = __raptrRequire(import.meta.url)`,
  `const __filename = __raptrPath(import.meta.url)`,
  `const __dirname = __raptrPath(new URL('.', import.meta.url))`,
].join(';')

// Chunk names carry a content hash: clear the last build's so only this one's ship.
fs.rmSync(path.join(root, 'dist', 'chunks'), {recursive: true, force: true})

const result = await build({
  stdin: {contents: entry, resolveDir: src, sourcefile: 'raptr-entry.ts', loader: 'ts'},
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outdir: path.join(root, 'dist'),
  entryNames: 'raptr',
  chunkNames: 'chunks/[name]-[hash]',
  minify: !process.env.RAPTR_BUNDLE_READABLE, // RAPTR_BUNDLE_READABLE=1: readable output, for profiling
  keepNames: true, // class names are read at run time (oclif's parser errors, by constructor name)
  legalComments: 'linked',
  external: EXTERNAL,
  banner: {js: banner},
  plugins: [lazyRequire],
  metafile: true,
  logLevel: 'warning',
})

// The bulk add's package-reading worker threads start from a file of their own (a worker
// cannot start from a chunk's export): dist/deb-worker.js, one self-contained module.
await build({
  entryPoints: [path.join(src, 'hash', 'deb-worker.ts')],
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outfile: path.join(root, 'dist', 'deb-worker.js'),
  minify: !process.env.RAPTR_BUNDLE_READABLE,
  keepNames: true,
  legalComments: 'linked',
  external: EXTERNAL,
  banner: {js: banner},
  logLevel: 'warning',
})

const bytes = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'))
const main = bytes.find(([f]) => f.endsWith('dist/raptr.js'))
console.log(`bundled ${commands.length} commands: dist/raptr.js ${(main[1].bytes / 1024).toFixed(0)} KiB, ${bytes.length - 1} lazy chunks`)
if (process.env.RAPTR_BUNDLE_META) fs.writeFileSync(process.env.RAPTR_BUNDLE_META, JSON.stringify(result.metafile))
