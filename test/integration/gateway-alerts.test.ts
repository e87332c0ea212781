import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAlerter, type AlerterConfig } from '../../gateway/alerts/alerter.ts';
import type { GatewayLog } from '../../gateway/deps-ext.ts';

const BOT = '123456:bot-secret-token-xyz';

/** A local receiver: answers each request with the next scripted status (then 200), records what arrived. */
async function receiver(script: number[] = []) {
  const got: { url: string; body: Record<string, unknown>; status: number }[] = [];
  let hold: Promise<void> | null = null;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', async () => {
      if (hold !== null) await hold;
      const status = script.shift() ?? 200;
      got.push({ url: req.url ?? '', body: JSON.parse(data) as Record<string, unknown>, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 429 ? JSON.stringify({ ok: false, parameters: { retry_after: 0 } }) : '{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    got,
    holdUntil(p: Promise<void>) {
      hold = p;
    },
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function cfg(url: string, extra: Partial<AlerterConfig> = {}): AlerterConfig {
  return { webhookUrl: `${url}/hook`, telegram: { botToken: BOT, chatId: '-100200', apiUrl: url }, queueSize: 100, maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 2000, now: () => 1_767_672_000_000, ...extra };
}

function captureLog() {
  const lines: string[] = [];
  const log: GatewayLog = { info: (o, m) => void lines.push(JSON.stringify([o, m])), warn: (o, m) => void lines.push(JSON.stringify([o, m])), error: (o, m) => void lines.push(JSON.stringify([o, m])) };
  return { log, lines };
}

describe('alerts', () => {
  it('delivers a kill-switch transition to the webhook and to Telegram, retrying 5xx and 429', async () => {
    const rx = await receiver([503, 429]);
    const a = createAlerter(cfg(rx.url));
    try {
      assert.equal(a.notify('killswitch.changed', { from: 'NORMAL', state: 'HALTED', cause: 'daily loss 21,000 > 20,000' }), true);
      await a.idle();
      const ok = rx.got.filter((g) => g.status === 200);
      assert.equal(ok.length, 2);
      const hook = ok.find((g) => g.url === '/hook');
      assert.equal(hook?.body['severity'], 'critical');
      assert.equal(hook?.body['title'], 'Kill switch NORMAL → HALTED');
      const tg = ok.find((g) => g.url === `/bot${BOT}/sendMessage`);
      assert.equal(tg?.body['chat_id'], '-100200');
      assert.match(String(tg?.body['text']), /HALTED[\s\S]*daily loss/);
      assert.equal(a.stats().retries, 2);
      assert.equal(a.stats().delivered, 2);
    } finally {
      await a.close();
      await rx.close();
    }
  });

  it("says the kill switch's cause, its code and the numbers behind it (a status body used to read \"no cause given\")", async () => {
    const rx = await receiver();
    const a = createAlerter(cfg(rx.url));
    try {
      // What the kill switch actually announces: its whole status (actors/killswitch/messages.ts KillSwitchStatus).
      const cause = { code: 'DAILY_LOSS', message: 'daily loss limit breached', evidence: { limit: 'dailyLoss', value: 21_000, threshold: 20_000, level: 'hard' } };
      const status = {
        state: 'HALTED', since: 1_767_672_000_000, cause, holding: { DAILY_LOSS: cause }, effectivePhase: 'SEMI_AUTO',
        history: [{ from: 'NORMAL', to: 'DEGRADED', at: 1, cause: { code: 'RISK_SOFT', message: 'soft dailyLoss limit breach', evidence: {} } }, { from: 'DEGRADED', to: 'HALTED', at: 2, cause }],
      };
      a.notify('killswitch.changed', status);
      a.notify('killswitch.changed', { ...status, state: 'EMERGENCY', cause: { code: 'MANUAL_EMERGENCY', message: 'vol spike, flatten now', evidence: { who: 'operator@127.0.0.1' } }, history: [] });
      await a.idle();
      const hooks = rx.got.filter((g) => g.url === '/hook');
      assert.deepEqual(hooks.map((h) => [h.body['title'], h.body['text']]), [
        ['Kill switch DEGRADED → HALTED', 'DAILY_LOSS: daily loss limit breached (limit dailyLoss, value 21000, threshold 20000, level hard)'],
        ['Kill switch EMERGENCY', 'MANUAL_EMERGENCY: vol spike, flatten now (who operator@127.0.0.1)'],
      ]);
      const tg = rx.got.filter((g) => g.url === `/bot${BOT}/sendMessage`).map((g) => String(g.body['text']));
      assert.match(tg[0] ?? '', /DEGRADED → HALTED\nDAILY_LOSS: daily loss limit breached \(limit dailyLoss, value 21000, threshold 20000/);
      assert.ok(tg.every((t) => !t.includes('no cause given')));
    } finally {
      await a.close();
      await rx.close();
    }
  });

  it('alerts on fills, saga failures, approvals, token expiry and feed stalls, and ignores the rest', async () => {
    const rx = await receiver();
    const a = createAlerter({ ...cfg(rx.url), telegram: undefined } as unknown as AlerterConfig);
    try {
      assert.equal(a.notify('cycle.completed', { id: 'c-1' }), false);
      for (const [type, body] of [['executor.filled', { side: 'SELL', quantity: 75, instrumentKey: 'NSE_FO|X', price: 101.5 }], ['executor.sagaFailed', { sagaId: 's-9', reason: 'hedge leg rejected' }], ['approval.created', { id: 'apr-3', reason: 'condor' }], ['upstox.tokenExpiring', {}], ['feed.stalled', { seconds: 12 }]] as const) {
        assert.equal(a.notify(type, body), true, type);
      }
      await a.idle();
      assert.deepEqual(rx.got.map((g) => g.body['kind']), ['fill', 'saga_failed', 'approval', 'token', 'feed_stall']);
    } finally {
      await a.close();
      await rx.close();
    }
  });

  it('never blocks the caller, bounds its queue (dropping the oldest), and does not retry a 4xx', async () => {
    const rx = await receiver([400]);
    let release!: () => void;
    rx.holdUntil(new Promise<void>((r) => (release = r)));
    const { log, lines } = captureLog();
    const a = createAlerter({ ...cfg(rx.url, { queueSize: 3 }) }, log);
    try {
      // The receiver is holding every request; notify must still return at once, each time.
      for (let i = 0; i < 10; i++) assert.equal(a.notify('feed.stalled', { seconds: i }), true);
      assert.ok(a.stats().queued <= 4);
      assert.ok(a.stats().dropped >= 16);
      release();
      await a.idle();
      assert.equal(a.stats().failed, 1, 'the 400 was given up at once');
      assert.equal(rx.got.filter((g) => g.status === 400).length, 1);
      assert.ok(lines.length > 0 && lines.every((l) => !l.includes(BOT)), 'logs name the sink, never the bot token');
    } finally {
      await a.close();
      await rx.close();
    }
  });

  it('gives up after maxAttempts on a dead endpoint and logs it without the token', async () => {
    const rx = await receiver();
    const dead = rx.url;
    await rx.close();
    const { log, lines } = captureLog();
    const a = createAlerter(cfg(dead, { maxAttempts: 3 }), log);
    try {
      a.notify('feed.stalled', { seconds: 9 });
      await a.idle();
      assert.equal(a.stats().failed, 2);
      assert.equal(a.stats().retries, 4);
      assert.ok(lines.every((l) => !l.includes(BOT)));
    } finally {
      await a.close();
    }
  });
});
