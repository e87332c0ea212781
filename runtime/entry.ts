/**
 * @module The one place that turns an ActorSpec's `entry` into something `new Worker()` can run — from source
 * (a .ts file through tsx) or, in the single binary, from an extracted bundle (the binary installs a resolver).
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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The repository root when running from source. */
export function repoRoot(): string {
  return ROOT;
}

export function resolveWorkerEntry(entry: string): WorkerEntry {
  const custom = (globalThis as { __VOLGUARD_WORKER_RESOLVER__?: Resolver }).__VOLGUARD_WORKER_RESOLVER__;
  if (custom) return custom(entry);
  const filename = path.resolve(ROOT, entry);
  if (!filename.endsWith('.ts')) return { filename };
  // Node 20 does not apply loader hooks to a worker's own entry file: boot through a JS shim that registers tsx.
  return { filename: path.join(ROOT, 'runtime', 'worker-boot.mjs'), entryUrl: pathToFileURL(filename).href };
}
