/**
 * @module The binary's asset manifest: which embedded assets are extracted to disk, their sha256, and which worker
 * `entry` string maps to which extracted bundle. The build writes it; the loader reads it (esbuild `define`).
 */

/** One file the binary writes into its private directory at start. */
export interface ExtractedFile {
  /** SEA asset key, and the file name inside the private directory. */
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
}

export interface SeaManifest {
  readonly version: string;
  /** sha256 over the sorted `name:sha256` lines: the private directory's name (content-addressed). */
  readonly id: string;
  readonly files: readonly ExtractedFile[];
  /** Actor spec `entry` (e.g. `actors/journal/worker.ts`) → extracted bundle file name. */
  readonly workers: Readonly<Record<string, string>>;
  /** Embedded (not extracted) assets served from memory: URL-ish key → SEA asset key. */
  readonly embedded: readonly string[];
}

/** Fixed names inside the private directory (worker bundles look their neighbours up by these). */
export const FILES = {
  lmdb: 'lmdb.node',
  piscinaWorker: 'piscina-worker.cjs',
  fitTask: 'fit-task.cjs',
} as const;

/** `actors/journal/worker.ts` → `w.actors.journal.worker.cjs` (flat, no directories to create). */
export function workerBundleName(entry: string): string {
  return `w.${entry.replace(/\.[cm]?[tj]s$/, '').split('/').join('.')}.cjs`;
}
