/**
 * @module The journal actor's messages: request bodies (validated with zod at the boundary), replies, the records it
 * stores, and its protocol map (`JournalProtocol`, at the end). Other actors use `client.ts` rather than building
 * these by hand.
 *
 * | request               | body               | reply                                   | when it replies          |
 * |-----------------------|--------------------|-----------------------------------------|--------------------------|
 * | `journal.append`      | AppendRequest      | `{seq}`                                 | committed (visible)      |
 * | `journal.appendBatch` | `{entries}`        | `{first, last}` (contiguous seqs)       | committed                |
 * | `journal.appendMany`  | AppendManyRequest  | AppendManyReply (one result per entry)  | all entries settled      |
 * | `journal.commitCycle` | CycleRecord        | `{seq}`                                 | flushed (durable)        |
 * | `journal.audit`       | AuditRecord        | `{seq}`                                 | flushed                  |
 * | `journal.snapshot`    | SnapshotRequest    | `{seq}` (the seq the snapshot covers)   | committed                |
 * | `journal.recover`     | `{actor}`          | RecoverReply                            | at once (read)           |
 * | `journal.kvGet`       | `{key}`            | `{value, seq}` (`null`s when unset)     | at once                  |
 * | `journal.kvPut`       | `{key, value}`     | `{seq}`                                 | flushed                  |
 * | `journal.orders`      | OrdersQuery        | `{orders}`                              | at once                  |
 * | `journal.stats`       | `{}`               | JournalStats                            | at once                  |
 * | `journal.backup`      | `{}`               | BackupResult                            | backup file written      |
 *
 * Emitted (fire and forget, to `main` and `killswitch`): `journal.faulted` JournalFault — the journal cannot write or
 * read what it must; there is no trading without a journal.
 */
import { z } from 'zod';
import type { SerializedError } from '../../runtime/errors.ts';
import type { BodyParser } from '../../runtime/protocols.ts';

export const JOURNAL_ACTOR = 'journal';

/** The cycle's stages, in order (actors/README.md, "The cycle"). */
export const CYCLE_STAGES = ['read_market', 'assess_risk', 'check_safety', 'execute', 'journal'] as const;
export type CycleStage = (typeof CYCLE_STAGES)[number];

/** One cycle, as main reports it: committed durably before the cycle counts as journaled. */
export interface CycleRecord {
  readonly cycleId: string;
  /** Cycle start, epoch ms. */
  readonly ts: number;
  readonly durationMs: number;
  /** Milliseconds spent in each stage. */
  readonly stages: Readonly<Record<CycleStage, number>>;
  /** True when the cycle took longer than its interval. */
  readonly overrun: boolean;
  /** Whatever main wants to remember about the cycle (decisions, counts); opaque to the journal. */
  readonly summary: unknown;
}

export interface AppendRequest {
  /** The actor that decided (the stream recovery is keyed by). */
  readonly actor: string;
  /** Dotted event type, e.g. `executor.orderIntent`. */
  readonly type: string;
  readonly cycleId?: string | undefined;
  readonly corrId?: string | undefined;
  readonly body: unknown;
}

export interface AppendBatchRequest {
  readonly entries: readonly AppendRequest[];
}

/**
 * Several independent appends in one message (the client coalesces the appends of one synchronous turn into it).
 * Unlike `appendBatch` (all or nothing), each entry is validated, encoded and answered on its own: a bad entry fails
 * alone; the accepted ones get contiguous seqs in array order (nothing else is queued between them).
 */
export interface AppendManyRequest {
  readonly entries: readonly AppendRequest[];
}

/** An entry of `journal.appendMany` that was not journaled: the error a lone `journal.append` would have replied. */
export interface AppendManyError {
  readonly error: SerializedError;
}

/** `results[i]` answers `entries[i]`: its seq (committed), or why it was not journaled. */
export interface AppendManyReply {
  readonly results: ReadonlyArray<number | AppendManyError>;
}

/**
 * A control-plane action (gateway/deps.ts `AuditEntry` has the same shape): `outcome: 'requested'` before it runs,
 * then `done` / `refused` / `failed` (with `result: {code, message}`) under the same `requestId`.
 */
export interface AuditRecord {
  readonly who: string;
  readonly role: 'viewer' | 'operator' | 'admin';
  readonly action: string;
  readonly reason?: string | undefined;
  readonly details?: unknown;
  readonly outcome?: 'requested' | 'done' | 'refused' | 'failed' | undefined;
  readonly requestId?: string | undefined;
  readonly result?: { readonly code: string; readonly message: string } | undefined;
}

export interface SnapshotRequest {
  readonly actor: string;
  /** The actor's state, plain data (msgpack-encodable). */
  readonly state: unknown;
  /** The last journal seq this state includes; recovery replays the actor's events after it. */
  readonly seq: number;
}

export interface RecoverRequest {
  readonly actor: string;
}

export interface KvGetRequest {
  readonly key: string;
}

export interface KvPutRequest {
  readonly key: string;
  readonly value: unknown;
}

/** `{}` lists every order; otherwise filter by one id. */
export interface OrdersQuery {
  readonly clientOrderId?: string | undefined;
  readonly sagaId?: string | undefined;
}

/** One decoded journal entry. Hashes are lowercase hex (sha256). */
export interface JournalEntry {
  readonly seq: number;
  readonly ts: number;
  readonly actor: string;
  readonly type: string;
  readonly cycleId?: string;
  readonly corrId?: string;
  readonly body: unknown;
  readonly prevHash: string;
  readonly hash: string;
}

export interface StoredSnapshot {
  readonly actor: string;
  readonly seq: number;
  readonly ts: number;
  readonly state: unknown;
}

export interface RecoverReply {
  readonly snapshot: StoredSnapshot | null;
  /** The actor's events after the snapshot's seq, in seq order. */
  readonly events: readonly JournalEntry[];
  /**
   * False when retention pruned events this actor would need (its snapshot is older than the pruned range):
   * the actor must treat its state as incomplete (fail closed) rather than trust a partial replay.
   */
  readonly complete: boolean;
}

/** Latest journaled state of an order: any entry whose body carries a string `clientOrderId` updates it. */
export interface OrderRecord {
  readonly clientOrderId: string;
  readonly sagaId: string | null;
  readonly seq: number;
  readonly ts: number;
  readonly type: string;
  readonly body: unknown;
}

export interface JournalStats {
  readonly firstSeq: number | null;
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly entries: number;
  readonly cycles: number;
  readonly orders: number;
  readonly audits: number;
  readonly snapshots: number;
  /** Seq of the last entry removed by retention (0 = nothing pruned); its hash anchors the chain. */
  readonly prunedThrough: number;
  /** Highest seq contained in a backup (0 = never backed up). */
  readonly backedUpThrough: number;
  readonly usedBytes: number;
  readonly mapSizeBytes: number;
  readonly maxBytes: number;
}

export interface BackupResult {
  readonly file: string;
  readonly seq: number;
  readonly bytes: number;
  /** Older backups removed by rotation. */
  readonly removed: readonly string[];
}

export type JournalFaultKind = 'MAP_FULL' | 'DISK_FULL' | 'DECODE' | 'CHAIN' | 'GAP' | 'IO' | 'CLOSED';

/** Body of `journal.faulted`. */
export interface JournalFault {
  readonly kind: JournalFaultKind;
  readonly code: string;
  readonly message: string;
  /** The seq concerned, when one is known. */
  readonly seq?: number;
  readonly ts: number;
}

// ---------------------------------------------------------------------------------------------------------------
// zod schemas for the request bodies (the trust boundary: anything can arrive in a message).

const name = z.string().min(1).max(200);
const finiteMs = z.number().finite().nonnegative();

export const appendRequestSchema = z.strictObject({
  actor: name,
  type: name,
  cycleId: z.string().min(1).optional(),
  corrId: z.string().min(1).optional(),
  body: z.unknown(),
});

export const appendBatchRequestSchema = z.strictObject({
  entries: z.array(appendRequestSchema).min(1).max(100_000),
});

/** The envelope only: each entry is checked against `appendRequestSchema` on its own (a bad one fails alone). */
export const appendManyRequestSchema = z.strictObject({
  entries: z.array(z.unknown()).min(1).max(100_000),
});

export const cycleRecordSchema = z.strictObject({
  cycleId: z.string().min(1),
  ts: finiteMs,
  durationMs: finiteMs,
  stages: z.strictObject({
    read_market: finiteMs,
    assess_risk: finiteMs,
    check_safety: finiteMs,
    execute: finiteMs,
    journal: finiteMs,
  }),
  overrun: z.boolean(),
  summary: z.unknown(),
});

export const auditRecordSchema = z.strictObject({
  who: name,
  role: z.enum(['viewer', 'operator', 'admin']),
  action: name,
  reason: z.string().optional(),
  details: z.unknown().optional(),
  outcome: z.enum(['requested', 'done', 'refused', 'failed']).optional(),
  requestId: z.string().min(1).max(100).optional(),
  result: z.strictObject({ code: z.string().min(1).max(100), message: z.string().max(2000) }).optional(),
});

export const snapshotRequestSchema = z.strictObject({
  actor: name,
  state: z.unknown(),
  seq: z.number().int().nonnegative(),
});

export const recoverRequestSchema = z.strictObject({ actor: name });
export const kvGetRequestSchema = z.strictObject({ key: name });
export const kvPutRequestSchema = z.strictObject({ key: name, value: z.unknown() });
export const ordersQuerySchema = z.strictObject({
  clientOrderId: z.string().min(1).optional(),
  sagaId: z.string().min(1).optional(),
});
export const emptySchema = z.union([z.strictObject({}), z.undefined(), z.null()]);

/**
 * Validates a message body; throws a TypeError that names the message, the field and what was expected.
 * @example parseBody('journal.append', appendRequestSchema, msg.body)
 */
export function parseBody<T>(type: string, schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
  throw new TypeError(`${type}: expected a valid body, was rejected (${issues})`);
}

/** A write's answer: the sequence number it was committed under. */
export interface Committed {
  readonly seq: number;
}

/** The journal's protocol (runtime/protocols.ts): every message it accepts, its body and its reply. */
export interface JournalProtocol {
  'journal.append': { in: AppendRequest; out: Committed };
  'journal.appendMany': { in: AppendManyRequest; out: AppendManyReply };
  'journal.appendBatch': { in: AppendBatchRequest; out: { readonly first: number; readonly last: number } };
  /** Main, once a cycle (stage journal): answered once flushed (durable). */
  'journal.commitCycle': { in: CycleRecord; out: Committed };
  'journal.audit': { in: AuditRecord; out: Committed };
  'journal.snapshot': { in: SnapshotRequest; out: Committed };
  'journal.recover': { in: RecoverRequest; out: RecoverReply };
  'journal.kvGet': { in: KvGetRequest; out: { readonly value: unknown; readonly seq: number | null } };
  'journal.kvPut': { in: KvPutRequest; out: Committed };
  'journal.orders': { in: OrdersQuery | undefined; out: { readonly orders: readonly OrderRecord[] } };
  'journal.stats': { in: Readonly<Record<string, never>> | null | undefined; out: JournalStats };
  'journal.backup': { in: Readonly<Record<string, never>> | null | undefined; out: BackupResult };
}

declare module '../../runtime/protocols.ts' {
  interface ActorProtocols {
    journal: JournalProtocol;
  }
}

/** Each request's edge check: its zod schema, worded as the journal always words them ("expected a valid body, …"). */
function check<T>(type: keyof JournalProtocol, schema: z.ZodType): BodyParser<T> {
  return { parse: (body) => parseBody(type, schema, body) as T };
}

export const JOURNAL_BODIES = {
  'journal.append': check<AppendRequest>('journal.append', appendRequestSchema),
  'journal.appendMany': check<AppendManyRequest>('journal.appendMany', appendManyRequestSchema),
  'journal.appendBatch': check<AppendBatchRequest>('journal.appendBatch', appendBatchRequestSchema),
  'journal.commitCycle': check<CycleRecord>('journal.commitCycle', cycleRecordSchema),
  'journal.audit': check<AuditRecord>('journal.audit', auditRecordSchema),
  'journal.snapshot': check<SnapshotRequest>('journal.snapshot', snapshotRequestSchema),
  'journal.recover': check<RecoverRequest>('journal.recover', recoverRequestSchema),
  'journal.kvGet': check<KvGetRequest>('journal.kvGet', kvGetRequestSchema),
  'journal.kvPut': check<KvPutRequest>('journal.kvPut', kvPutRequestSchema),
  'journal.orders': { parse: (body: unknown) => parseBody('journal.orders', ordersQuerySchema, body ?? {}) as OrdersQuery },
  'journal.stats': check<Readonly<Record<string, never>> | null | undefined>('journal.stats', emptySchema),
  'journal.backup': check<Readonly<Record<string, never>> | null | undefined>('journal.backup', emptySchema),
} as const;
