/**
 * @module From source, each actor entry (a .ts file) is transpiled ONCE per process with esbuild into one plain
 * CommonJS file, so a worker starts as fast as plain JS: no tsx inside the worker, no per-worker transpile, no
 * loader-hooks thread. Only project files are bundled (`packages: 'external'`): node_modules resolve normally,
 * because the output lives under `<repo>/node_modules/.cache/volguard/dev/` and Node's lookup walks up from there.
 *
 * Cache (shared by every process on the checkout):
 * - `<cache>/<hash>/<name>.cjs` — content-addressed: `hash` covers every input file's bytes (from esbuild's
 *   metafile), tsconfig.json, the esbuild version and this module's FORMAT; a change to any input gives a new dir.
 * - `<cache>/index/<name>.json` — the last build of that entry: its inputs and hash. A start re-hashes those inputs
 *   (a few ms); if they still match and the output exists, no build runs.
 * - Concurrent starts: each builds into a private temp dir and renames it into place (the loser discards its copy;
 *   both copies are identical); the index is written to a temp file and renamed. Old versions are never deleted by a
 *   running process (another long-running process may still restart workers from them).
 *
 * Inside the bundles:
 * - `import.meta.url` is the URL of the ORIGINAL source file, so relative look-ups keep their meaning.
 * - `new URL('./x.ts', import.meta.url)` (a .ts file handed to another thread, e.g. a piscina task file) is bundled
 *   as its own output next to the entry and the expression points at that .cjs instead.
 * - Linked source maps, used when workers run with `--enable-source-maps` (VOLGUARD_SOURCE_MAPS=1, runtime/entry.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** Bump when the shape of the output changes (options, banner, plugin behaviour). */
const FORMAT = 2;
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE_URL_VAR = '__volguard_bundle_url';
const ASSET_REF = /new\s+URL\(\s*(['"])(\.{1,2}\/[^'"]+\.ts)\1\s*,\s*import\.meta\.url\s*\)/g;

export interface DevBundle {
  /** Absolute path of the entry's .cjs. */
  readonly filename: string;
  /** true when this call ran esbuild (false: served from the cache). */
  readonly built: boolean;
}

interface IndexFile {
  readonly format: number;
  readonly entry: string;
  readonly hash: string;
  readonly inputs: readonly string[];
}

export function cacheDir(): string {
  return path.join(ROOT, 'node_modules', '.cache', 'volguard', 'dev');
}

/** `actors/feed/worker.ts` → `actors.feed.worker.cjs` (repo-relative, so names never collide). */
export function bundleName(rel: string): string {
  return `${rel.replace(/\.[cm]?ts$/, '').split(/[\\/]/).join('.')}.cjs`;
}

function toRel(file: string): string {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

let esbuildVersion: string | null = null;
function esbuildVer(): string {
  esbuildVersion ??= (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', 'esbuild', 'package.json'), 'utf8')) as { version: string }).version;
  return esbuildVersion;
}

function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The content hash of one build: each input's digest plus everything else that shapes the output. */
function combine(entry: string, digests: ReadonlyMap<string, string>): string {
  const h = createHash('sha256');
  h.update(`volguard-dev-bundle ${FORMAT} esbuild ${esbuildVer()} node ${process.versions.modules} ${entry}\n`);
  for (const rel of [...digests.keys()].sort()) h.update(`${rel}\0${digests.get(rel)}\n`);
  return h.digest('hex').slice(0, 32);
}

/** Digests of `inputs` (repo-relative) as they are on disk now, plus tsconfig.json; null if one is missing. */
function diskDigests(inputs: readonly string[]): Map<string, string> | null {
  const out = new Map<string, string>();
  for (const rel of ['tsconfig.json', ...inputs]) {
    if (out.has(rel)) continue;
    try {
      out.set(rel, digest(readFileSync(path.join(ROOT, rel))));
    } catch {
      return null; // an input vanished: rebuild
    }
  }
  return out;
}

function readIndex(file: string): IndexFile | null {
  try {
    const idx = JSON.parse(readFileSync(file, 'utf8')) as IndexFile;
    return idx.format === FORMAT && Array.isArray(idx.inputs) && typeof idx.hash === 'string' ? idx : null;
  } catch {
    return null;
  }
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' } as const;

/**
 * Loads every project source itself: records the digest of exactly the bytes bundled (`digests`, repo-relative),
 * and rewrites `import.meta` per file (see the module doc). Discovered `.ts` asset references are collected in
 * `assets` (absolute paths); the caller builds again with them as extra entry points.
 */
function sourcePlugin(assets: Set<string>, digests: Map<string, string>): Plugin {
  return {
    name: 'volguard-dev-source',
    setup(b) {
      b.onLoad({ filter: /\.([cm]?[jt]s|json)$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`) || args.namespace !== 'file') return undefined;
        const bytes = readFileSync(args.path);
        digests.set(toRel(args.path), digest(bytes));
        const loader = LOADERS[path.extname(args.path) as keyof typeof LOADERS];
        const src = bytes.toString('utf8');
        if (!src.includes('import.meta') || loader === 'json') return { contents: bytes, loader };
        const dir = path.dirname(args.path);
        const contents = src
          .replace(ASSET_REF, (whole, _q: string, ref: string) => {
            const target = path.resolve(dir, ref);
            if (!existsSync(target)) return whole;
            assets.add(target);
            return `new URL(${JSON.stringify(`./${bundleName(toRel(target))}`)}, ${BUNDLE_URL_VAR})`;
          })
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dir));
        return { contents, loader, resolveDir: dir };
      });
    },
  };
}

async function build(entry: string): Promise<{ hash: string; inputs: string[] }> {
  const { build: esbuild } = await import('esbuild');
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const tmp = path.join(cache, `.build-${process.pid}-${randomBytes(6).toString('hex')}`);
  const assets = new Set<string>();
  const tsconfig = diskDigests([]);
  try {
    for (let pass = 0; ; pass++) {
      const before = assets.size;
      const digests = new Map(tsconfig);
      const entryPoints: Record<string, string> = { [bundleName(entry).replace(/\.cjs$/, '')]: path.join(ROOT, entry) };
      for (const a of assets) entryPoints[bundleName(toRel(a)).replace(/\.cjs$/, '')] = a;
      rmSync(tmp, { recursive: true, force: true });
      const res = await esbuild({
        entryPoints,
        outdir: tmp,
        outExtension: { '.js': '.cjs' },
        bundle: true,
        packages: 'external',
        platform: 'node',
        format: 'cjs',
        target: `node${process.versions.node.split('.')[0]}`,
        sourcemap: 'linked',
        sourcesContent: false,
        banner: {
          js: [
            `var ${BUNDLE_URL_VAR} = require("node:url").pathToFileURL(__filename).href;`,
            // As in the binary: msgpackr's JS string decoder (as fast or faster for our short strings, runtime.md §3)
            // instead of loading the native addon in every worker (~5 ms of each start). This worker's env only.
            'if (process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED === undefined) process.env.MSGPACKR_NATIVE_ACCELERATION_DISABLED = "true";',
          ].join('\n'),
        },
        metafile: true,
        logLevel: 'silent',
        absWorkingDir: ROOT,
        plugins: [sourcePlugin(assets, digests)],
      });
      // An asset found in this pass is not among this pass's entry points: build again with it (then stable).
      if (assets.size === before || pass >= 4) {
        const inputs = Object.keys(res.metafile?.inputs ?? {})
          .map((p) => toRel(path.resolve(ROOT, p)))
          .filter((p) => !p.startsWith('..') && !p.includes('node_modules/'))
          .sort();
        // Inputs esbuild read by itself (other file types): digest them from disk.
        for (const rel of inputs) if (!digests.has(rel)) digests.set(rel, digest(readFileSync(path.join(ROOT, rel))));
        const hash = combine(entry, digests);
        const dest = path.join(cache, hash);
        if (!existsSync(dest)) {
          try {
            renameSync(tmp, dest);
          } catch (err) {
            // Another process renamed an identical build into place first.
            if (!existsSync(dest)) throw err;
          }
        }
        return { hash, inputs };
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

let building = 0;
let idleStop: ReturnType<typeof setTimeout> | null = null;

async function bundleNow(entry: string): Promise<DevBundle> {
  const cache = cacheDir();
  const name = bundleName(entry);
  const indexFile = path.join(cache, 'index', `${name.replace(/\.cjs$/, '')}.json`);
  const idx = readIndex(indexFile);
  if (idx && idx.entry === entry) {
    const digests = diskDigests(idx.inputs);
    const filename = path.join(cache, idx.hash, name);
    if (digests && combine(entry, digests) === idx.hash && existsSync(filename)) return { filename, built: false };
  }
  building++;
  try {
    const { hash, inputs } = await build(entry);
    mkdirSync(path.dirname(indexFile), { recursive: true });
    writeAtomically(indexFile, `${JSON.stringify({ format: FORMAT, entry, hash, inputs } satisfies IndexFile)}\n`);
    return { filename: path.join(cache, hash, name), built: true };
  } finally {
    // Stop esbuild's service process once builds have been idle for a while (it restarts on demand).
    if (--building === 0) {
      if (idleStop) clearTimeout(idleStop);
      idleStop = setTimeout(() => {
        if (building === 0) void import('esbuild').then((m) => m.stop()).catch(() => {});
      }, 2000);
      idleStop.unref();
    }
  }
}

const memo = new Map<string, Promise<DevBundle>>();

/**
 * The plain-JS bundle of a repo-relative `.ts` entry, built at most once per process (later calls share the first
 * answer, so every incarnation of an actor runs the same code). Rejects on a build error.
 */
export function devBundle(entry: string): Promise<DevBundle> {
  const rel = toRel(path.resolve(ROOT, entry));
  let p = memo.get(rel);
  if (!p) {
    p = bundleNow(rel);
    memo.set(rel, p);
    // A failed build is not cached: the next start tries again (after the source is fixed).
    p.catch(() => memo.delete(rel));
  }
  return p;
}
