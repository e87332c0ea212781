/**
 * @module The one place that turns an ActorSpec's `entry` into something `new Worker()` can run:
 * - in the single binary, an extracted bundle (the binary installs `__VOLGUARD_WORKER_RESOLVER__`);
 * - from source, a `.ts` entry is bundled once per process to plain CommonJS (runtime/dev-bundle.ts) and the
 *   worker runs that without tsx: `prepareWorkerEntry` builds (or finds in the cache) the bundle, then
 *   `resolveWorkerEntry` answers synchronously. tsx's own flags are removed from the worker's execArgv (they would
 *   load tsx and start a loader-hooks thread in every worker for nothing). Stack traces name the bundle's lines
 *   (readable, unminified, with `// actors/…` section comments); `VOLGUARD_SOURCE_MAPS=1` maps them to the .ts.
 * - A piscina task file started from source (`resolveTaskFile`, the backtest sweep's pool) runs as its dev bundle too.
 * - Fallback (`VOLGUARD_DEV_BUNDLE=0`, or esbuild failed): the worker boots through runtime/worker-boot.mjs, which
 *   registers tsx inside the worker (Node 20 does not apply loader hooks to a worker's own entry file). A source
 *   error then surfaces the way it always did: as the worker's start failure.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export interface WorkerEntry {
  readonly filename: string;
  readonly execArgv?: string[];
  /** For the source boot shim: the module it imports (passed as workerData.__entry). */
  readonly entryUrl?: string;
}

type Resolver = (entry: string) => WorkerEntry;
type DevBundleModule = typeof import('./dev-bundle.ts');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Not a literal import: the binary's bundler must not pull esbuild in (the binary never takes this path). */
const DEV_BUNDLE_URL = new URL('./dev-bundle.ts', import.meta.url).href;

/** The repository root when running from source. */
export function repoRoot(): string {
  return ROOT;
}

function customResolver(): Resolver | undefined {
  return (globalThis as { __VOLGUARD_WORKER_RESOLVER__?: Resolver }).__VOLGUARD_WORKER_RESOLVER__;
}

function devBundleEnabled(): boolean {
  return process.env['VOLGUARD_DEV_BUNDLE'] !== '0';
}

/** Prepared bundles (absolute .ts path → .cjs path), or null when that entry falls back to the tsx shim. */
const prepared = new Map<string, string | null>();
const preparing = new Map<string, Promise<void>>();
let warned = false;

/**
 * Makes `resolveWorkerEntry(entry)` answer with a plain-JS bundle. Returns null when nothing is left to do (the
 * binary, a non-.ts entry, already prepared); otherwise a promise that never rejects (a failed build falls back).
 */
export function prepareWorkerEntry(entry: string): Promise<void> | null {
  if (customResolver() || !devBundleEnabled()) return null;
  const filename = path.resolve(ROOT, entry);
  if (!filename.endsWith('.ts') || prepared.has(filename)) return null;
  let p = preparing.get(filename);
  if (!p) {
    p = (import(DEV_BUNDLE_URL) as Promise<DevBundleModule>)
      .then((m) => m.devBundle(filename))
      .then(
        (b) => {
          prepared.set(filename, b.filename);
        },
        (err: unknown) => {
          // A syntax error in the actor, a missing file, or no esbuild: the tsx shim reports it from the worker.
          if (!warned && !Array.isArray((err as { errors?: unknown }).errors)) {
            warned = true;
            process.emitWarning(`volguard: dev bundle of ${entry} failed, booting workers through tsx: ${err instanceof Error ? err.message : String(err)}`);
          }
          // Not remembered: once the source is fixed, the next start bundles again.
        },
      )
      .finally(() => preparing.delete(filename));
    preparing.set(filename, p);
  }
  return p;
}

/** tsx's flags (`--import tsx`, `--require …/tsx/dist/preflight.cjs`, `--import …/tsx/dist/loader.mjs`) removed. */
export function withoutTsx(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  const isTsx = (v: string) => /^tsx(\/|$)/.test(v) || /[\\/]node_modules[\\/]tsx[\\/]/.test(v);
  const valued = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i] as string;
    const eq = a.indexOf('=');
    if (eq > 0 && valued.has(a.slice(0, eq))) {
      if (!isTsx(a.slice(eq + 1))) out.push(a);
    } else if (valued.has(a) && i + 1 < execArgv.length) {
      const v = execArgv[++i] as string;
      if (!isTsx(v)) out.push(a, v);
    } else out.push(a);
  }
  return out;
}

/**
 * Flags of this process that a Worker refuses when execArgv is given explicitly (V8 and process-wide options such as
 * `--expose-gc`, `--max-old-space-size`; an inherited execArgv is never validated, an explicit one is).
 */
const refused = new Set<string>();

/**
 * Learns from a Worker constructor's ERR_WORKER_INVALID_EXEC_ARGV which flags to leave out; true when the spawn is
 * worth retrying with a fresh `resolveWorkerEntry`.
 */
export function learnRefusedExecArgv(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (e?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV' || typeof e.message !== 'string') return false;
  const list = e.message.slice(e.message.indexOf(':') + 1).split(',').map((f) => f.trim()).filter(Boolean);
  const before = refused.size;
  for (const f of list) refused.add(f);
  return refused.size > before;
}

function workerExecArgv(): string[] {
  const execArgv = withoutTsx(process.execArgv).filter((f) => !refused.has(f));
  // Source-mapped stacks cost ~2.5 MB per worker (Node 20 parses the whole map at load): opt-in, as in the binary.
  if (process.env['VOLGUARD_SOURCE_MAPS'] === '1' && !execArgv.includes('--enable-source-maps')) execArgv.push('--enable-source-maps');
  return execArgv;
}

/**
 * A piscina task file (a module whose default export runs one task) started from this process, e.g. the backtest
 * sweep's: its dev bundle, run without tsx, as an actor's entry is. A worker thread gets tsx's require hook but not
 * its ESM hooks on Node 20, so a `.ts` task loads (its static imports compile to requires) until it calls `import()`
 * on a `.ts` file — as this module does for the dev bundler when the task starts actors. The `.ts` file with this
 * process's flags is the fallback (no esbuild, or VOLGUARD_DEV_BUNDLE=0).
 */
export async function resolveTaskFile(entry: string): Promise<{ filename: string; execArgv: string[] }> {
  const filename = path.resolve(ROOT, entry);
  await prepareWorkerEntry(entry);
  const bundle = prepared.get(filename);
  if (bundle) return { filename: pathToFileURL(bundle).href, execArgv: workerExecArgv() };
  return { filename: pathToFileURL(filename).href, execArgv: [...process.execArgv] };
}

export function resolveWorkerEntry(entry: string): WorkerEntry {
  const custom = customResolver();
  if (custom) return custom(entry);
  const filename = path.resolve(ROOT, entry);
  if (!filename.endsWith('.ts')) return { filename };
  const bundle = prepared.get(filename);
  if (bundle) return { filename: bundle, execArgv: workerExecArgv() };
  return { filename: path.join(ROOT, 'runtime', 'worker-boot.mjs'), entryUrl: pathToFileURL(filename).href };
}
