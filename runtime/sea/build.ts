/**
 * @module `npx tsx runtime/sea/build.ts` → `dist/volguard`: the single executable (Node 20 SEA, Linux x64).
 *
 * 1. esbuild (cjs, node20) bundles every actor worker entry, the piscina worker and the calibrator's task file into
 *    self-contained `.cjs` files; the lmdb addon for this Node ABI is copied beside them. These are extracted at
 *    start (runtime/sea/loader.ts) into a private content-addressed directory.
 * 2. esbuild bundles the CLI (runtime/sea/main-entry.ts → runtime/cli/main.ts, every command) with the manifest of
 *    those files `define`d in; dashboard files and uPlot are embedded as assets and served from memory.
 * 3. `node --experimental-sea-config` writes the blob (code cache on); postject injects it into a copy of this Node.
 * Nothing in the output may `require` a non-builtin module at run time (checked from esbuild's metafile), so the
 * binary never looks into a `node_modules` near itself. Options: `--out <file>` (default dist/volguard), `--quiet`.
 */
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FILES, workerBundleName, type ExtractedFile, type SeaManifest } from './manifest.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** Optional native accelerators: resolved to a module that throws MODULE_NOT_FOUND, so callers use their JS path. */
const ABSENT = ['msgpackr-extract', '@napi-rs/nice', 'bufferutil', 'utf-8-validate'];
/** Evaluated inside bundles: the private directory (worker: the bundle's own dir; main: the loader extracts). */
const SEA_DIR_EXPR = '(globalThis.__VOLGUARD_SEA_DIR__ || globalThis.__VOLGUARD_SEA_ENSURE__())';

interface Args {
  out: string;
  quiet: boolean;
  /** Development only: a project module that does not exist yet becomes a stub that throws when loaded. */
  allowMissing: boolean;
}

function buildArgs(argv: readonly string[]): Args {
  const options = { out: { type: 'string' }, quiet: { type: 'boolean' }, 'allow-missing': { type: 'boolean' } } as const;
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  return {
    out: values.out === undefined ? path.join(ROOT, 'dist', 'volguard') : path.resolve(values.out),
    quiet: values.quiet === true,
    allowMissing: values['allow-missing'] === true,
  };
}

function rel(p: string): string {
  return path.relative(ROOT, p).split(path.sep).join('/');
}

function walk(dir: string, pred: (f: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') walk(p, pred, out);
    } else if (pred(p)) out.push(p);
  }
  return out;
}

/**
 * Every actor `entry` the system can start: `entry: '<path>'` literals in actors/ and runtime/ (specs), and the
 * fixture actors (test/fixtures/actors/*.ts, used by the self-test). Entries whose file is missing are reported.
 */
export function workerEntries(): { found: string[]; missing: string[] } {
  const sources = [
    ...walk(path.join(ROOT, 'actors'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts')),
    ...walk(path.join(ROOT, 'runtime'), (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes(`${path.sep}sea${path.sep}`)),
  ];
  const entries = new Set<string>();
  for (const f of sources) {
    for (const m of readFileSync(f, 'utf8').matchAll(/\bentry:\s*['"]([^'"]+\.ts)['"]/g)) if (m[1]) entries.add(m[1]);
  }
  for (const f of walk(path.join(ROOT, 'test', 'fixtures', 'actors'), (p) => p.endsWith('.ts') && !p.endsWith('.test.ts'))) entries.add(rel(f));
  const found = [...entries].filter((e) => existsSync(path.join(ROOT, e))).sort();
  const missing = [...entries].filter((e) => !existsSync(path.join(ROOT, e))).sort();
  return { found, missing };
}

function lmdbAddon(): string {
  const dir = path.join(ROOT, 'node_modules', '@lmdb', `lmdb-${process.platform}-${process.arch}`);
  for (const name of [`node.abi${process.versions.modules}.glibc.node`, 'node.napi.glibc.node']) {
    const p = path.join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`no lmdb prebuild for ${process.platform}-${process.arch} abi ${process.versions.modules} in ${dir}`);
}

/** Replaces `from` with `to` in a loaded file; the build fails if the pattern vanished (the patch would be stale). */
function patch(filter: RegExp, from: string, to: string, label: string): Plugin {
  return {
    name: `patch:${label}`,
    setup(b) {
      b.onLoad({ filter }, (args) => {
        const src = readFileSync(args.path, 'utf8');
        if (!src.includes(from)) throw new Error(`${label}: pattern not found in ${args.path} (update runtime/sea/build.ts)`);
        return { contents: src.split(from).join(to), loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** Dashboard assets: parse gateway/routes/assets.ts's table and generate an in-memory twin reading SEA assets. */
interface DashAsset {
  readonly url: string;
  readonly key: string;
  readonly file: string;
  readonly type: string;
}

function dashboardAssets(): DashAsset[] {
  const src = readFileSync(path.join(ROOT, 'gateway', 'routes', 'assets.ts'), 'utf8');
  const dirs: Record<string, string> = {
    dashboardDir: path.join(ROOT, 'gateway', 'dashboard'),
    uplotDir: path.join(ROOT, 'node_modules', 'uplot', 'dist'),
    preactDir: path.join(ROOT, 'node_modules', 'preact', 'dist'),
    swaggerDir: path.join(ROOT, 'node_modules', 'swagger-ui-dist'),
  };
  const out: DashAsset[] = [];
  for (const m of src.matchAll(/'([^']+)':\s*\{\s*file:\s*path\.join\((\w+),\s*'([^']+)'\),\s*type:\s*'([^']+)'\s*\}/g)) {
    const [, url, dirVar, name, type] = m;
    const dir = dirs[dirVar ?? ''];
    if (!url || !dir || !name || !type) throw new Error(`gateway/routes/assets.ts: unknown directory ${dirVar} (update runtime/sea/build.ts)`);
    out.push({ url, key: `dashboard:${dirVar}/${name}`, file: path.join(dir, name), type });
  }
  if (out.length === 0) throw new Error('gateway/routes/assets.ts: no FILES entries parsed (update runtime/sea/build.ts)');
  for (const a of out) if (!existsSync(a.file)) throw new Error(`dashboard asset missing: ${a.file}`);
  return out;
}

function assetsShim(assets: readonly DashAsset[]): Plugin {
  const table = Object.fromEntries(assets.map((a) => [a.url, { key: a.key, type: a.type }]));
  const contents = `
import { getAsset } from 'node:sea';
const FILES = ${JSON.stringify(table)};
const cache = new Map();
export const ASSET_PATHS = Object.keys(FILES);
export function asset(urlPath) {
  const hit = cache.get(urlPath);
  if (hit !== undefined) return hit;
  const f = Object.prototype.hasOwnProperty.call(FILES, urlPath) ? FILES[urlPath] : undefined;
  if (f === undefined) return undefined;
  const a = { body: getAsset(f.key, 'utf8'), type: f.type };
  cache.set(urlPath, a);
  return a;
}
`;
  return {
    name: 'dashboard-assets',
    setup(b) {
      b.onLoad({ filter: /[\\/]gateway[\\/]routes[\\/]assets\.ts$/ }, () => ({ contents, loader: 'js' }));
    },
  };
}

function shims(allowMissing: boolean): Plugin {
  const absent = new RegExp(`^(${ABSENT.map((n) => n.replace(/[/.]/g, '\\$&')).join('|')})$`);
  return {
    name: 'sea-shims',
    setup(b) {
      b.onResolve({ filter: /^node-gyp-build-optional-packages$/ }, () => ({ path: path.join(ROOT, 'runtime', 'sea', 'shims', 'native-addon.cjs') }));
      b.onResolve({ filter: absent }, (args) => ({ path: args.path, namespace: 'volguard-absent' }));
      b.onLoad({ filter: /.*/, namespace: 'volguard-absent' }, (args) => ({
        contents: `const e = new Error(${JSON.stringify(`Cannot find module '${args.path}' (not part of the volguard binary)`)}); e.code = 'MODULE_NOT_FOUND'; throw e;`,
        loader: 'js',
      }));
      // --allow-missing (development only): a command module that does not exist yet answers 'built without …';
      // any other missing project module throws when loaded. Without the flag a missing module fails the build.
      b.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (existsSync(target) || target.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        if (!allowMissing) return undefined; // esbuild reports the unresolved import: the build fails
        if (args.importer.endsWith(path.join('runtime', 'cli', 'commands.ts'))) {
          missingCommands.add(rel(target));
          return { path: rel(target), namespace: 'volguard-missing' };
        }
        missingModules.add(`${rel(target)} (from ${rel(args.importer)})`);
        return { path: rel(target), namespace: 'volguard-missing-module' };
      });
      b.onLoad({ filter: /.*/, namespace: 'volguard-missing' }, (args) => ({
        contents: `export async function run(_argv, io) { io.stderr.write(${JSON.stringify(`volguard: this binary was built without ${args.path}\n`)}); return 1; }`,
        loader: 'js',
      }));
      b.onLoad({ filter: /.*/, namespace: 'volguard-missing-module' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`volguard: this binary was built without ${args.path} (--allow-missing)`)});`,
        loader: 'js',
      }));
    },
  };
}

const missingCommands = new Set<string>();
const missingModules = new Set<string>();

/** Fails when an output would `require` a non-builtin at run time (that is a node_modules lookup next to the binary). */
function checkExternals(meta: Metafile | undefined): void {
  if (meta === undefined) throw new Error('esbuild returned no metafile');
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  builtins.add('node:sea');
  const bad: string[] = [];
  for (const [out, o] of Object.entries(meta.outputs)) {
    for (const imp of o.imports) if (imp.external && !builtins.has(imp.path)) bad.push(`${out}: ${imp.kind} '${imp.path}'`);
  }
  if (bad.length) throw new Error(`bundles would load modules from disk at run time:\n  ${bad.join('\n  ')}`);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function banner(version: string, worker: boolean): string {
  return [
    'globalThis.__VOLGUARD_BINARY__ = true;',
    `globalThis.__VOLGUARD_VERSION__ = ${JSON.stringify(version)};`,
    // JS paths for optional accelerators (the absent-module shim is the second line of defence).
    'process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = "true"; process.env.WS_NO_BUFFER_UTIL = "1"; process.env.WS_NO_UTF_8_VALIDATE = "1";',
    'var __volguard_meta_url = require("node:url").pathToFileURL(__filename).href;',
    worker ? 'globalThis.__VOLGUARD_SEA_DIR__ = __dirname;' : '',
  ].join('\n');
}

export async function buildBinary(args: Args): Promise<{ out: string; bytes: number; ms: number; manifest: SeaManifest }> {
  const t0 = performance.now();
  const say = (s: string) => {
    if (!args.quiet) process.stdout.write(`${s}\n`);
  };
  if (process.platform !== 'linux') throw new Error('runtime/sea/build.ts builds the Linux binary only');
  const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const work = path.join(path.dirname(args.out), 'sea');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(path.join(work, 'files'), { recursive: true });

  const { found, missing } = workerEntries();
  for (const m of missing) say(`warning: actor entry ${m} has no file yet; not in this binary`);
  const dash = dashboardAssets();
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['main', 'module'],
    conditions: ['node', 'require'],
    define: { 'import.meta.url': '__volguard_meta_url' },
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
    sourcemap: false,
    minifyWhitespace: false,
  };
  const plugins = [
    shims(args.allowMissing),
    assetsShim(dash),
    patch(/[\\/]piscina[\\/]dist[\\/]index\.js$/, "(0, node_path_1.resolve)(__dirname, 'worker.js')", `require('node:path').join(${SEA_DIR_EXPR}, ${JSON.stringify(FILES.piscinaWorker)})`, 'piscina worker path'),
    patch(/[\\/]actors[\\/]calibrator[\\/]fit-runner\.ts$/, "new URL('./fit-task.ts', import.meta.url).href", `require('node:url').pathToFileURL(require('node:path').join(${SEA_DIR_EXPR}, ${JSON.stringify(FILES.fitTask)})).href`, 'calibrator task file'),
  ];

  // 1. worker-side bundles (extracted at start).
  const workerEntryPoints: Record<string, string> = {};
  const workers: Record<string, string> = {};
  for (const e of found) {
    const name = workerBundleName(e);
    workerEntryPoints[name.replace(/\.cjs$/, '')] = path.join(ROOT, e);
    workers[e] = name;
  }
  workerEntryPoints[FILES.piscinaWorker.replace(/\.cjs$/, '')] = path.join(ROOT, 'node_modules', 'piscina', 'dist', 'worker.js');
  const fitTask = path.join(ROOT, 'actors', 'calibrator', 'fit-task.ts');
  if (existsSync(fitTask)) workerEntryPoints[FILES.fitTask.replace(/\.cjs$/, '')] = fitTask;
  const wres = await build({ ...common, entryPoints: workerEntryPoints, outdir: path.join(work, 'files'), outExtension: { '.js': '.cjs' }, banner: { js: banner(version, true) }, plugins });
  checkExternals(wres.metafile);
  copyFileSync(lmdbAddon(), path.join(work, 'files', FILES.lmdb));

  const files: ExtractedFile[] = readdirSync(path.join(work, 'files'))
    .sort()
    .map((name) => {
      const p = path.join(work, 'files', name);
      return { name, sha256: sha256(p), size: statSync(p).size };
    });
  const id = createHash('sha256').update(files.map((f) => `${f.name}:${f.sha256}\n`).join('')).digest('hex').slice(0, 32);
  const manifest: SeaManifest = { version, id, files, workers, embedded: dash.map((d) => d.key) };

  // 2. the main bundle (the SEA's main script).
  const mainOut = path.join(work, 'volguard.cjs');
  const mres = await build({
    ...common,
    entryPoints: [path.join(ROOT, 'runtime', 'sea', 'main-entry.ts')],
    outfile: mainOut,
    banner: { js: banner(version, false) },
    define: { ...common.define, __VOLGUARD_SEA_MANIFEST__: JSON.stringify(manifest) },
    plugins,
  });
  checkExternals(mres.metafile);
  const inputs = Object.keys(mres.metafile?.inputs ?? {});
  const dev = inputs.filter((i) => /node_modules[\\/](tsx|typescript|esbuild)[\\/]/.test(i));
  if (dev.length) say(`warning: dev-only modules in the main bundle: ${[...new Set(dev.map((d) => d.split('node_modules/')[1]?.split('/')[0]))].join(', ')}`);
  for (const m of missingModules) say(`warning: ${m} does not exist; stubbed (--allow-missing, not for release)`);
  for (const m of missingCommands) say(`warning: command module ${m} does not exist yet; the binary answers with a stub`);
  writeFileSync(path.join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  // 3. SEA blob + injection.
  const blob = path.join(work, 'sea-prep.blob');
  const assets: Record<string, string> = Object.fromEntries(files.map((f) => [f.name, path.join(work, 'files', f.name)]));
  for (const d of dash) assets[d.key] = d.file;
  const seaConfig = { main: mainOut, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: true, assets };
  writeFileSync(path.join(work, 'sea-config.json'), `${JSON.stringify(seaConfig, null, 2)}\n`);
  execFileSync(process.execPath, ['--experimental-sea-config', path.join(work, 'sea-config.json')], { stdio: args.quiet ? 'ignore' : 'inherit' });
  mkdirSync(path.dirname(args.out), { recursive: true });
  const tmpOut = `${args.out}.tmp-${process.pid}`;
  rmSync(tmpOut, { force: true });
  copyFileSync(process.execPath, tmpOut);
  chmodSync(tmpOut, 0o755);
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'postject'), [tmpOut, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL], { stdio: 'ignore' });
  // rename over the old binary: a running copy keeps its inode.
  renameSync(tmpOut, args.out);
  const bytes = statSync(args.out).size;
  const ms = Math.round(performance.now() - t0);
  say(`built ${rel(args.out)}: ${(bytes / 1048576).toFixed(1)} MiB in ${(ms / 1000).toFixed(1)} s — ${found.length} actor bundles, ${files.length} extracted files (id ${id}), ${dash.length} dashboard assets, node ${process.version}`);
  return { out: args.out, bytes, ms, manifest };
}

const invoked = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  buildBinary(buildArgs(process.argv.slice(2))).catch((err: unknown) => {
    process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
