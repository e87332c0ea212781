/**
 * Bearer tokens (and the Telegram bot token, and a submitted Upstox token) never appear in a response body or a log
 * line, whatever the request and whatever an actor puts in its error messages.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../gateway/app.ts';
import { VolguardError } from '../../runtime/errors.ts';
import { AUTH, TOKENS, fakeDeps } from './gateway-fakes.ts';
import { INTERFACE_ROUTES, jsonInit } from './gateway-routes.ts';

const BOT = '987654:telegram-bot-secret-token';
const UPSTOX = 'upstox-fresh-token-ABCDEFGHIJKLMNOP';
const SECRETS = [...Object.values(TOKENS), BOT, UPSTOX];

describe('secret redaction', () => {
  it('keeps every token out of response bodies and log lines', async () => {
    // Actors that misbehave by echoing whatever they were given, tokens included.
    const f = fakeDeps({
      env: { TELEGRAM_BOT_TOKEN: BOT, TELEGRAM_CHAT_ID: '42', VOLGUARD_AUTH_MAX_FAILURES: '10000' },
      requestError: (_a, type) => (type === 'executor.orders' ? new Error(`boom with ${TOKENS.admin} and ${BOT}`) : type === 'killswitch.status' ? new VolguardError('CONFLICT', `refused for ${TOKENS.operator}`) : undefined),
    });
    f.deps.tokenRefresh = async (t: string) => {
      throw new VolguardError('TOKEN_INVALID', `broker refused token ${t}`);
    };
    const app = createApp(f.deps);
    const bodies: string[] = [];
    const send = async (path: string, init: RequestInit) => bodies.push(await (await app.request(path, init)).text());

    for (const r of INTERFACE_ROUTES) {
      for (const presented of [...SECRETS.map((s) => `${s}x`), TOKENS.viewer]) {
        await send(r.path, jsonInit(r.method, { authorization: `Bearer ${presented}` }, r.body));
      }
    }
    // Tokens in places they do not belong: body, query string, malformed JSON around them.
    await send('/api/v1/killswitch/reset?token=' + TOKENS.admin, { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json' }, body: `{"reason": ${TOKENS.admin}` });
    await send('/api/v1/killswitch/reset', { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json' }, body: `${TOKENS.operator}` });
    await send('/api/v1/killswitch/reset', jsonInit('POST', AUTH.admin, { reason: TOKENS.viewer, [TOKENS.operator]: 1 }));
    await send('/api/token/refresh', { method: 'POST', headers: { ...AUTH.admin, 'content-type': 'application/json' }, body: `{"accessToken": "${UPSTOX}"` });
    await send('/api/token/refresh', jsonInit('POST', AUTH.admin, { accessToken: UPSTOX }));
    await send('/api/v1/orders', { headers: AUTH.viewer });
    await send('/api/v1/killswitch', { headers: AUTH.viewer });
    await send('/api/v1/supervisor/status', { headers: AUTH.viewer });

    assert.ok(bodies.length > 100);
    assert.ok(f.rec.logs.length > 0, 'the failing requests were logged');
    const logs = f.rec.logs.map((l) => JSON.stringify(l));
    for (const s of SECRETS) {
      for (const b of bodies) assert.ok(!b.includes(s), `a response body contains a secret: ${b.slice(0, 200)}`);
      for (const l of logs) assert.ok(!l.includes(s), `a log line contains a secret: ${l.slice(0, 200)}`);
    }
    assert.equal(f.rec.audits.filter((a) => JSON.stringify(a).includes(UPSTOX)).length, 0, 'the audit log never holds the Upstox token');
  });
});
