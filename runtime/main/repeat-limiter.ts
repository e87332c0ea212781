/**
 * @module Repeated identical warnings and errors are written once per window, then summed up (a full disk made every
 * cycle log the same journal fault three times: 1,442 error lines in 70 s, drowning everything else).
 *
 * Two lines are "the same" when actor, level, message and error code agree (numbers inside an error text do not make
 * it different). The first line of a kind passes; repeats within `windowMs` are counted, not written; when the window
 * ends, one line says how many were suppressed, and the next one of that kind passes again. Info and below always
 * pass: the limiter only reads (parses) warn, error and fatal lines.
 */

export interface RepeatLimiterOptions {
  readonly windowMs: number;
  /** Wall clock (the runtime's, not the market's). */
  readonly now: () => number;
  readonly write: (line: string) => void;
}

interface Window {
  readonly until: number;
  readonly level: string;
  readonly actor: string;
  readonly msg: string;
  suppressed: number;
}

const LIMITED = /"level":"(warn|error|fatal)"/;

/** The identity of a log record for repeat detection, or null when it is not limited. */
export function repeatKey(line: string): { key: string; level: string; actor: string; msg: string } | null {
  if (!LIMITED.test(line)) return null;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const level = String(rec['level']);
  const actor = String(rec['actor'] ?? '');
  const msg = String(rec['msg'] ?? '');
  const err = (rec['err'] ?? rec['fault']) as { code?: unknown; type?: unknown } | undefined;
  const error = typeof rec['error'] === 'string' ? rec['error'] : '';
  const code = String(err?.code ?? err?.type ?? error.replace(/\d+/g, '#').slice(0, 160));
  return { key: `${actor}\u0000${level}\u0000${msg}\u0000${code}`, level, actor, msg };
}

export class RepeatLimiter {
  readonly #opts: RepeatLimiterOptions;
  readonly #windows = new Map<string, Window>();

  constructor(opts: RepeatLimiterOptions) {
    this.#opts = opts;
  }

  write(line: string): void {
    const k = repeatKey(line);
    if (k === null) return this.#opts.write(line);
    const now = this.#opts.now();
    const w = this.#windows.get(k.key);
    if (w !== undefined && now < w.until) {
      w.suppressed++;
      return;
    }
    if (w !== undefined) this.#summarise(k.key, w, now);
    this.#windows.set(k.key, { until: now + this.#opts.windowMs, level: k.level, actor: k.actor, msg: k.msg, suppressed: 0 });
    this.#opts.write(line);
  }

  /** Ends the windows that are over (all of them with `all`), writing a summary for those that suppressed lines. */
  flush(all = false): void {
    const now = this.#opts.now();
    for (const [key, w] of this.#windows) if (all || now >= w.until) this.#summarise(key, w, now);
  }

  #summarise(key: string, w: Window, now: number): void {
    this.#windows.delete(key);
    if (w.suppressed === 0) return;
    const rec = {
      level: w.level,
      time: new Date(now).toISOString(),
      actor: 'main',
      msg: `suppressed ${w.suppressed} repeats of a log line`,
      repeated: { actor: w.actor, msg: w.msg },
      suppressed: w.suppressed,
      windowMs: this.#opts.windowMs,
    };
    this.#opts.write(`${JSON.stringify(rec)}\n`);
  }
}
