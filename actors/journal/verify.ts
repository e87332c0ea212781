/**
 * @module Journal verification: sequence gaps, hash chain, decode errors. Used by `journal verify`, by
 * `validate`, by drills and before a restore. Read-only: safe while the system runs (an LMDB read transaction
 * sees one consistent snapshot and never blocks the writer).
 */
import { GENESIS_HASH, entryOf, parseFrame } from './frame.ts';
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
  // Hex: frames are parsed zero-copy, their hashes come out as hex strings.
  let prevHash: string | null = cp ? cp.hash : GENESIS_HASH.toString('hex');
  let entries = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  const problems: VerifyProblem[] = [];
  const problem = (seq: number, kind: ProblemKind, message: string) => {
    if (problems.length < maxProblems) problems.push({ seq, kind, message });
  };
  // One consistent snapshot (the default), each frame parsed and hashed straight out of LMDB's read buffer.
  for (const { seq: key, value: raw } of db.scanEvents({}, (bytes, end) => parseFrame(bytes, end, true))) {
    const seq = key;
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
    try {
      entryOf(raw, seq);
    } catch (err) {
      problem(seq, 'DECODE', (err as Error).message);
      // This entry's true hash is unknown, so the next link cannot be judged; one problem, not two.
      prevHash = null;
      continue;
    }
    if (!raw.hashOk) problem(seq, 'CHAIN', `seq ${seq}: expected the stored hash to equal sha256(prevHash ‖ payload), was different (entry altered)`);
    else if (prevHash !== null && raw.prevHash !== prevHash) {
      problem(seq, 'CHAIN', `seq ${seq}: expected prevHash ${prevHash.slice(0, 16)}…, was ${raw.prevHash.slice(0, 16)}… (broken link)`);
    }
    prevHash = raw.hash;
  }
  return { ok: problems.length === 0, entries, firstSeq, lastSeq, checkpointSeq, headHash: prevHash ?? '', problems };
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
