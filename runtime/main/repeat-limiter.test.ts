/**
 * RepeatLimiter on an injected clock: the first line of a kind passes, repeats within the window are counted and
 * summed up once the window is over, numbers inside an error text do not make lines different, info always passes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RepeatLimiter, repeatKey } from './repeat-limiter.ts';

function line(rec: Record<string, unknown>): string {
  return `${JSON.stringify({ time: '2026-12-01T00:00:00.000Z', ...rec })}\n`;
}

function setup(windowMs = 10_000): { lim: RepeatLimiter; out: Array<Record<string, unknown>>; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  const out: Array<Record<string, unknown>> = [];
  const lim = new RepeatLimiter({ windowMs, now: () => clock.t, write: (l) => out.push(JSON.parse(l) as Record<string, unknown>) });
  return { lim, out, clock };
}

describe('RepeatLimiter', () => {
  it('writes 1,000 identical errors within one window as one line plus one summary of 999', () => {
    const { lim, out, clock } = setup();
    for (let i = 0; i < 1000; i++) {
      lim.write(line({ level: 'error', actor: 'journal', msg: 'journal fault', err: { code: 'JOURNAL_DISK_FULL', message: `page at ${4096 * i}` } }));
      clock.t += 5; // 1,000 × 5 ms = 5 s: all inside the 10 s window
    }
    assert.equal(out.length, 1);
    clock.t += 5_000; // the window is over
    lim.flush();
    assert.equal(out.length, 2);
    assert.deepEqual({ msg: out[1]?.['msg'], suppressed: out[1]?.['suppressed'], repeated: out[1]?.['repeated'], level: out[1]?.['level'] },
      { msg: 'suppressed 999 repeats of a log line', suppressed: 999, repeated: { actor: 'journal', msg: 'journal fault' }, level: 'error' });
  });

  it('passes the next one after the window and starts counting again', () => {
    const { lim, out, clock } = setup(1000);
    const fault = line({ level: 'warn', actor: 'main', msg: 'cycle failed', error: 'RequestTimeoutError: expected a reply from feed to feed.snapshot within 2000 ms, got none' });
    lim.write(fault);
    lim.write(fault);
    clock.t += 1000;
    lim.write(fault); // window over: summary of 1, then this one passes
    assert.deepEqual(out.map((r) => r['msg']), ['cycle failed', 'suppressed 1 repeats of a log line', 'cycle failed']);
  });

  it('keeps different actors, messages, levels and codes apart, and never limits info', () => {
    const { lim, out } = setup();
    for (let i = 0; i < 3; i++) {
      lim.write(line({ level: 'error', actor: 'journal', msg: 'journal fault', err: { code: 'JOURNAL_DISK_FULL' } }));
      lim.write(line({ level: 'error', actor: 'main', msg: 'journal fault', fault: { code: 'JOURNAL_DISK_FULL' } }));
      lim.write(line({ level: 'error', actor: 'journal', msg: 'journal fault', err: { code: 'JOURNAL_IO' } }));
      lim.write(line({ level: 'warn', actor: 'journal', msg: 'journal fault', err: { code: 'JOURNAL_DISK_FULL' } }));
      lim.write(line({ level: 'info', actor: 'main', msg: 'first cycle completed' }));
    }
    assert.equal(out.length, 4 + 3);
  });

  it('reads numbers inside an error text as the same error, other words as another', () => {
    const a = repeatKey(line({ level: 'warn', actor: 'main', msg: 'cycle failed', error: 'timeout after 2000 ms in cycle 17' }));
    const b = repeatKey(line({ level: 'warn', actor: 'main', msg: 'cycle failed', error: 'timeout after 2500 ms in cycle 18' }));
    const c = repeatKey(line({ level: 'warn', actor: 'main', msg: 'cycle failed', error: 'risk exited (crash)' }));
    assert.equal(a?.key, b?.key);
    assert.notEqual(a?.key, c?.key);
    assert.equal(repeatKey(line({ level: 'info', msg: 'x' })), null);
    assert.equal(repeatKey('not json "level":"error"'), null);
  });

  it('flush(true) ends every window (on close)', () => {
    const { lim, out } = setup();
    const l = line({ level: 'error', actor: 'a', msg: 'm' });
    lim.write(l);
    lim.write(l);
    lim.flush(true);
    assert.equal(out.at(-1)?.['suppressed'], 1);
  });
});
