/**
 * @module Journal verification: sequence gaps, hash chain, decode errors. Used by `journal verify`, by
 * `validate`, by drills and before a restore. Read-only: safe while the system runs (an LMDB read transaction
 * sees one consistent snapshot and never blocks the writer).
 */
import { GENESIS_HASH, decodeFrame } from './frame.ts';
import { LmdbBackend } from './lmdb-store.ts';
import type { Backend } from './store.ts';

export type ProblemKind = 'GAP' | 'CHAIN' | 'DECODE';

export interface VerifyProblem {
  readonly seq: number;
  readonly kind: ProblemKind;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly entries: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
  /** Seq the chain starts after (0, or the pruning checkpoint). */
  readonly checkpointSeq: number;
  /** Hash of the last entry (the chain head), hex. */
  readonly headHash: string;
  /** The first problems found, in seq order (at most `maxProblems`). */
  readonly problems: readonly VerifyProblem[];
}

export function verifyBackend(db: Backend, maxProblems = 100): VerifyReport {
  const cp = db.get('meta', 'checkpoint') as { seq: number; hash: string } | undefined;
  const checkpointSeq = cp?.seq ?? 0;
  let expectSeq = checkpointSeq + 1;
  let prevHash: Buffer | null = cp ? Buffer.from(cp.hash, 'hex') : GENESIS_HASH;
  let entries = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  const problems: VerifyProblem[] = [];
  const problem = (seq: number, kind: ProblemKind, message: string) => {
    if (problems.length < maxProblems) problems.push({ seq, kind, message });
  };
  for (const { key, value } of db.range('events')) {
    const seq = key as number;
    entries++;
    firstSeq ??= seq;
    lastSeq = seq;
    if (typeof seq !== 'number' || !Number.isInteger(seq)) {
      problem(expectSeq, 'DECODE', `expected an integer seq key, was ${JSON.stringify(key)}`);
      continue;
    }
    if (seq !== expectSeq) {
      problem(Math.min(seq, expectSeq), 'GAP', seq > expectSeq
        ? `expected seq ${expectSeq}, was ${seq} (${seq - expectSeq} missing)`
        : `expected seq ${expectSeq}, was ${seq} (out of order)`);
    }
    expectSeq = seq + 1;
    let frame;
    try {
      frame = decodeFrame(value as Uint8Array, seq);
    } catch (err) {
      problem(seq, 'DECODE', (err as Error).message);
      // This entry's true hash is unknown, so the next link cannot be judged; one problem, not two.
      prevHash = null;
      continue;
    }
    if (!frame.hashOk) problem(seq, 'CHAIN', `seq ${seq}: expected the stored hash to equal sha256(prevHash ‖ payload), was different (entry altered)`);
    else if (prevHash !== null && !frame.prevHash.equals(prevHash)) {
      problem(seq, 'CHAIN', `seq ${seq}: expected prevHash ${prevHash.toString('hex').slice(0, 16)}…, was ${frame.prevHash.toString('hex').slice(0, 16)}… (broken link)`);
    }
    prevHash = Buffer.from(frame.hash);
  }
  return { ok: problems.length === 0, entries, firstSeq, lastSeq, checkpointSeq, headHash: prevHash?.toString('hex') ?? '', problems };
}

/**
 * Verifies the LMDB journal in `dir` (or a backup file ending in `.mdb`), opening it read-only.
 * @example const r = await verifyJournal('data/journal'); if (!r.ok) console.error(r.problems[0]);
 */
export async function verifyJournal(dir: string, maxProblems = 100): Promise<VerifyReport> {
  const backend = new LmdbBackend(dir, { readOnly: true });
  try {
    return verifyBackend(backend, maxProblems);
  } finally {
    await backend.close();
  }
}
