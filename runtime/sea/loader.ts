/**
 * @module Start-up of the single binary (main thread only): extracts the native addon and the worker bundles into a
 * private, content-addressed directory, and installs the worker-entry resolver that runtime/entry.ts honours.
 *
 * Directory: `$VOLGUARD_RUNTIME_DIR` | `$CACHE_DIRECTORY` / `$RUNTIME_DIRECTORY` (systemd) | `$XDG_RUNTIME_DIR/volguard` |
 * `<os.tmpdir()>/volguard-<uid>`; it must be a real directory owned by us with mode 0700 (refused otherwise). Inside it,
 * `<manifest id>/` holds this build's files. Concurrent starts: each writes a temp directory and renames it into place;
 * the loser discards its copy. An existing directory is verified (size + sha256) before use and replaced if damaged.
 * Extraction is lazy: `--version`/`--help` never touch the disk.
 */
import { getRawAsset } from 'node:sea';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SeaManifest } from './manifest.ts';

declare const __VOLGUARD_SEA_MANIFEST__: SeaManifest;

type Resolver = (entry: string) => { filename: string };
interface SeaGlobals {
  __VOLGUARD_SEA_DIR__?: string;
  __VOLGUARD_WORKER_RESOLVER__?: Resolver;
  __VOLGUARD_SEA_ENSURE__?: () => string;
}
const g = globalThis as SeaGlobals;

export const manifest: SeaManifest = __VOLGUARD_SEA_MANIFEST__;

function uid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : 0;
}

export function baseDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['VOLGUARD_RUNTIME_DIR']) return path.resolve(env['VOLGUARD_RUNTIME_DIR']);
  if (env['CACHE_DIRECTORY']) return path.resolve(env['CACHE_DIRECTORY'].split(':')[0] ?? '');
  if (env['RUNTIME_DIRECTORY']) return path.resolve(env['RUNTIME_DIRECTORY'].split(':')[0] ?? '');
  if (env['XDG_RUNTIME_DIR'] && existsSync(env['XDG_RUNTIME_DIR'])) return path.join(env['XDG_RUNTIME_DIR'], 'volguard');
  return path.join(os.tmpdir(), `volguard-${uid()}`);
}

/** Creates `dir` (0700) or checks an existing one: a directory, not a symlink, ours, no group/other access. */
function privateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.isSymbolicLink()) throw new Error(`volguard: ${dir} is not a directory; set VOLGUARD_RUNTIME_DIR`);
  if (st.uid !== uid()) throw new Error(`volguard: ${dir} belongs to uid ${st.uid}, not ${uid()}; set VOLGUARD_RUNTIME_DIR`);
  if ((st.mode & 0o077) !== 0) throw new Error(`volguard: ${dir} has mode ${(st.mode & 0o777).toString(8)}, need 0700; set VOLGUARD_RUNTIME_DIR`);
}

function assetBytes(name: string): Uint8Array {
  const raw = getRawAsset(name);
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : new Uint8Array(raw);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function intact(dir: string): boolean {
  for (const f of manifest.files) {
    const file = path.join(dir, f.name);
    let st;
    try {
      st = lstatSync(file);
    } catch {
      return false;
    }
    if (!st.isFile() || st.size !== f.size) return false;
    if (sha256(readFileSync(file)) !== f.sha256) return false;
  }
  return true;
}

function writeDurably(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'wx', 0o500);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function extractInto(tmp: string): void {
  mkdirSync(tmp, { mode: 0o700 });
  for (const f of manifest.files) {
    const bytes = assetBytes(f.name);
    if (bytes.length !== f.size || sha256(bytes) !== f.sha256) throw new Error(`volguard: embedded asset ${f.name} is damaged`);
    writeDurably(path.join(tmp, f.name), bytes);
  }
}

let extracted: string | null = null;

/** Extracts (once per process) and returns this build's private directory. Synchronous: callable from any shim. */
export function ensureExtracted(): string {
  if (extracted !== null) return extracted;
  const base = baseDir();
  privateDir(base);
  const final = path.join(base, manifest.id);
  if (existsSync(final) && intact(final)) return (extracted = final);
  const tmp = path.join(base, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    extractInto(tmp);
    if (existsSync(final)) {
      // Present but damaged (or a concurrent start finished meanwhile): move it aside, never delete in place.
      if (intact(final)) return (extracted = final);
      renameSync(final, path.join(base, `.bad-${process.pid}-${randomBytes(6).toString('hex')}`));
    }
    try {
      renameSync(tmp, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // A concurrent start won the race; use its copy once verified.
      if (!intact(final)) throw new Error(`volguard: ${final} appeared but is damaged`, { cause: err });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return (extracted = final);
}

/** Installs the resolver runtime/entry.ts consults, so `new Worker()` runs the extracted bundles. */
export function install(): void {
  g.__VOLGUARD_SEA_ENSURE__ = ensureExtracted;
  g.__VOLGUARD_WORKER_RESOLVER__ = (entry: string) => {
    const bundle = manifest.workers[entry];
    if (bundle === undefined) throw new Error(`volguard: actor entry '${entry}' is not part of this binary`);
    return { filename: path.join(ensureExtracted(), bundle) };
  };
}

install();
