/**
 * @module What a starting process reads from the journal before any actor runs (read-only, then closed): the market
 * time of the latest entry, latched values and actors' snapshots. Main decides the run's clock from it — a simulated
 * market resumes where the journal had got to, never before (DESIGN.md §8). The journal stamps every entry with the
 * run's market clock, so the latest entry's time bounds what any actor can have acted on and recovered.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { decodeFrame } from './frame.ts';
import { JOURNAL_FILE, LmdbBackend } from './lmdb-store.ts';

export interface JournalPeek {
  /** Market time of the latest entry, epoch ms; null when the journal holds none. */
  readonly lastEntryTs: number | null;
  /** The asked latched values (null when unset). */
  readonly kv: Readonly<Record<string, unknown>>;
  /** The asked actors' snapshots: when (market time) and what. */
  readonly snapshots: Readonly<Record<string, { readonly ts: number; readonly seq: number; readonly state: unknown } | null>>;
}

/** Reads `journalDir` (DATA_DIR/journal) read-only; null when there is no journal there yet (a fresh data dir). */
export async function peekJournal(journalDir: string, ask: { readonly kv?: readonly string[]; readonly snapshots?: readonly string[] } = {}): Promise<JournalPeek | null> {
  if (!existsSync(path.join(journalDir, JOURNAL_FILE))) return null;
  const db = new LmdbBackend(journalDir, { readOnly: true });
  try {
    let lastEntryTs: number | null = null;
    for (const { key, value } of db.range('events', { reverse: true, limit: 1 })) {
      lastEntryTs = decodeFrame(value as Uint8Array, key as number, false).entry.ts;
    }
    const kv: Record<string, unknown> = {};
    for (const k of ask.kv ?? []) kv[k] = (db.get('kv', k) as { value?: unknown } | undefined)?.value ?? null;
    const snapshots: Record<string, JournalPeek['snapshots'][string]> = {};
    for (const a of ask.snapshots ?? []) {
      const s = db.get('snapshots', a) as { ts?: unknown; seq?: unknown; state?: unknown } | undefined;
      snapshots[a] = s !== undefined && typeof s.ts === 'number' && typeof s.seq === 'number' ? { ts: s.ts, seq: s.seq, state: s.state } : null;
    }
    return { lastEntryTs, kv, snapshots };
  } finally {
    await db.close();
  }
}
