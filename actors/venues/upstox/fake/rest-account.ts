/**
 * @module The fake's account-control routes: the account kill switch (`GET/POST /v2/user/kill-switch`, per segment,
 * atomic across the lines of one request) and the static IPs order writes must come from (`GET/PUT /v2/user/ip`; an
 * update invalidates every token issued before it, as Upstox's does). Shapes and codes from Upstox's pages for these
 * endpoints (UDAPI1184 positions open, 1185 cooling period, 1186 segment, 1188 action; 1182/1183/1184 for IPs).
 */
import type { Hono } from 'hono';
import { isIP } from 'node:net';
import { z } from 'zod';
import { BrokerError, type Segment } from '../../broker.ts';
import { formatIstTimestamp } from '../rest/map.ts';
import { normaliseIp } from '../static-ip.ts';
import { FakeBook } from './book.ts';
import { errorBody, success } from './shapes.ts';
import type { FakeState } from './state.ts';

const SEGMENTS = ['BSE_EQ', 'NSE_EQ', 'NCD_FO', 'BCD_FO', 'NSE_FO', 'BSE_FO', 'MCX_FO', 'NSE_COM'] as const;

export function accountRoutes(app: Hono, state: FakeState): void {
  const rows = async () => (await state.broker.getKillSwitch()).map((k) => ({
    segment: k.segment, segment_status: k.active ? 'ACTIVE' : 'INACTIVE', kill_switch_enabled: k.engaged,
  }));

  app.get('/v2/user/kill-switch', async (c) => c.json(success(await rows())));

  app.post('/v2/user/kill-switch', async (c) => {
    let raw: unknown;
    try { raw = await c.req.json(); } catch { raw = undefined; }
    if (!Array.isArray(raw) || raw.length === 0) return c.json(errorBody('UDAPI100038', 'Invalid input passed to the API'), 400);
    const lines: { segment: Segment; action: 'ENABLE' | 'DISABLE' }[] = [];
    for (const line of raw) {
      const seg = (line as { segment?: unknown })?.segment;
      const action = (line as { action?: unknown })?.action;
      if (typeof seg !== 'string' || !(SEGMENTS as readonly string[]).includes(seg)) return c.json(errorBody('UDAPI1186', 'The specified segment does not exist.'), 400);
      if (action !== 'ENABLE' && action !== 'DISABLE') return c.json(errorBody('UDAPI1188', 'Invalid action. Allowed values are ENABLE and DISABLE.'), 400);
      lines.push({ segment: seg as Segment, action });
    }
    // Atomic: every line is checked before any changes (a refusal leaves every segment as it was). Another Broker
    // plugged into the fake is applied line by line.
    const book = state.broker;
    const refusal = book instanceof FakeBook ? lines.map((l) => book.killSwitchRefusal(l.segment, l.action === 'DISABLE')).find((e) => e !== undefined) : undefined;
    if (refusal !== undefined) return c.json(errorBody(refusal.brokerCode ?? 'UDAPI1187', refusal.message), 400);
    try {
      for (const l of lines) await state.broker.setKillSwitch(l.segment, l.action === 'DISABLE');
    } catch (err) {
      if (!(err instanceof BrokerError)) throw err;
      return c.json(errorBody(err.brokerCode ?? 'UDAPI1187', err.message), 400);
    }
    return c.json(success(await rows()));
  });

  const ipsJson = () => ({
    primary_ip: state.staticIps.primary, secondary_ip: state.staticIps.secondary,
    primary_ip_updated_at: state.staticIps.updatedAt === null ? null : formatIstTimestamp(state.staticIps.updatedAt),
    secondary_ip_updated_at: state.staticIps.updatedAt === null || state.staticIps.secondary === null ? null : formatIstTimestamp(state.staticIps.updatedAt),
  });

  app.get('/v2/user/ip', (c) => c.json(success(ipsJson())));

  app.put('/v2/user/ip', async (c) => {
    const body = z.object({ primary_ip: z.string().optional(), secondary_ip: z.string().optional() }).safeParse(await c.req.json().catch(() => undefined));
    if (!body.success || body.data.primary_ip === undefined || body.data.primary_ip === '') return c.json(errorBody('UDAPI1182', 'Primary IP is required.'), 400);
    const { primary_ip: primary, secondary_ip: secondary } = body.data;
    if (isIP(primary) === 0 || (secondary !== undefined && isIP(secondary) === 0)) return c.json(errorBody('UDAPI1183', 'Invalid IP.'), 400);
    if (secondary !== undefined && normaliseIp(primary) === normaliseIp(secondary)) return c.json(errorBody('UDAPI1184', 'Primary and secondary IP must be different.'), 400);
    const now = state.now();
    if (state.staticIps.updatedAt !== null && now - state.staticIps.updatedAt < 7 * 86_400_000) {
      return c.json(errorBody('UDAPI1185', 'Static IP can only be updated once per week.'), 400);
    }
    state.staticIps = { primary: normaliseIp(primary), secondary: secondary === undefined ? null : normaliseIp(secondary), updatedAt: now };
    // Every existing token stops working: the one that asked included.
    const bearer = c.req.header('Authorization')?.slice(7).trim();
    if (bearer !== undefined && bearer !== '') state.revokedTokens.add(bearer);
    if (state.token !== undefined) state.revokedTokens.add(state.token);
    return c.json(success({ ...ipsJson(), access_tokens_invalidated: true }));
  });
}
