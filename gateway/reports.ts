/**
 * @module The reports the operator can open from the dashboard: `volguard report session` and `volguard backtest`
 * write a folder per run under DATA_DIR/reports (`session-<time>/`, `backtest-<…>/`, each with report.html and
 * summary.json). This lists them and resolves one by name, never a path: a name is one folder under the reports
 * root (no separators, no `..`), and the resolved file must still lie inside that root after symlinks are followed.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

export type ReportKind = 'session' | 'backtest';

export interface ReportEntry {
  /** The folder's name under DATA_DIR/reports (what GET /api/v1/reports/{name} takes). */
  readonly name: string;
  readonly kind: ReportKind;
  /** When its report.html was written: the file's modification time (wall clock, epoch ms). */
  readonly time: number;
}

/** `session-…` or `backtest-…`, then letters, digits, `.`, `_`, `-` only: no separator can get in, and `..` is refused below. */
export const REPORT_NAME = /^(session|backtest)-[A-Za-z0-9._-]{1,120}$/;

export function isReportName(name: string): boolean {
  return REPORT_NAME.test(name) && !name.includes('..');
}

/** The report.html of `name` under `root`, or null when there is none (or it resolves outside `root`). */
export function reportFile(root: string, name: string): string | null {
  if (!isReportName(name)) return null;
  let realRoot: string;
  let file: string;
  try {
    realRoot = realpathSync(root);
    file = realpathSync(path.join(realRoot, name, 'report.html'));
    if (!statSync(file).isFile()) return null;
  } catch {
    return null;
  }
  const rel = path.relative(realRoot, file);
  return rel.startsWith('..') || path.isAbsolute(rel) ? null : file;
}

/** The reports under `root` that have a report.html, newest first, at most `limit`; none when `root` does not exist. */
export function listReports(root: string, limit = 20): ReportEntry[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: ReportEntry[] = [];
  for (const name of names) {
    const file = reportFile(root, name);
    if (file === null) continue;
    out.push({ name, kind: name.startsWith('backtest-') ? 'backtest' : 'session', time: Math.round(statSync(file).mtimeMs) });
  }
  return out.sort((a, b) => b.time - a.time || (a.name < b.name ? 1 : -1)).slice(0, limit);
}
