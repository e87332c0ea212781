/**
 * @module The route table tests walk: INTERFACE.md's routes with a valid body each (so "at the role" can succeed),
 * and a way to read each operation's role from the OpenAPI document.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';

/** Every HTTP route of INTERFACE.md and the ones added since (with VOLGUARD_CHAOS=1). Path params already filled. */
export const INTERFACE_ROUTES: readonly { method: 'GET' | 'POST'; path: string; role: 'none' | 'viewer' | 'operator' | 'admin'; body?: unknown }[] = [
  { method: 'GET', path: '/health', role: 'none' },
  { method: 'GET', path: '/health/ready', role: 'none' },
  { method: 'GET', path: '/api/v1/dashboard', role: 'viewer' },
  { method: 'GET', path: '/api/dashboard/data', role: 'viewer' },
  { method: 'GET', path: '/api/v1/supervisor/status', role: 'viewer' },
  { method: 'GET', path: '/api/v1/actors', role: 'viewer' },
  { method: 'GET', path: '/api/v1/actors/executor', role: 'viewer' },
  { method: 'GET', path: '/api/v1/orders', role: 'viewer' },
  { method: 'GET', path: '/api/v1/positions', role: 'viewer' },
  { method: 'GET', path: '/api/v1/account', role: 'viewer' },
  { method: 'GET', path: '/api/v1/approvals', role: 'viewer' },
  { method: 'POST', path: '/api/v1/approvals/apr-0001/approve', role: 'operator', body: {} },
  { method: 'POST', path: '/api/v1/approvals/apr-0001/reject', role: 'operator', body: { reason: 'spread too wide' } },
  { method: 'POST', path: '/api/v1/structures/S-VG1/close', role: 'operator', body: { confirm: 'S-VG1', reason: 'short put tested' } },
  { method: 'POST', path: '/api/start', role: 'operator', body: { reason: 'morning start' } },
  { method: 'POST', path: '/api/stop', role: 'operator', body: { reason: 'lunch' } },
  { method: 'POST', path: '/api/capital/adjust', role: 'admin', body: { weekly: 600_000, monthly: 300_000, intraday: 100_000, reason: 'quarterly rebalance' } },
  { method: 'POST', path: '/api/token/refresh', role: 'admin', body: { accessToken: 'upstox-new-access-token-0123456789' } },
  { method: 'POST', path: '/api/emergency/flatten', role: 'operator', body: { reason: 'drill' } },
  { method: 'POST', path: '/api/v1/admin/emergency_stop', role: 'operator', body: { reason: 'drill' } },
  { method: 'POST', path: '/api/v1/killswitch/reset', role: 'admin', body: { reason: 'cause cleared' } },
  { method: 'POST', path: '/api/v1/phase', role: 'admin', body: { phase: 'SEMI_AUTO', approver: 'risk desk', reason: 'shadow history ok' } },
  { method: 'GET', path: '/api/v1/phase', role: 'viewer' },
  { method: 'POST', path: '/api/v1/phase/approve', role: 'admin', body: { id: 'PR-0001', approver: 'bob', reason: 'risk limits checked against the month' } },
  { method: 'GET', path: '/api/v1/killswitch', role: 'viewer' },
  { method: 'GET', path: '/api/v1/broker/killswitch', role: 'viewer' },
  { method: 'POST', path: '/api/v1/broker/killswitch/release', role: 'admin', body: { reason: 'cooling period over, cause understood' } },
  { method: 'GET', path: '/api/v1/pnl', role: 'viewer' },
  { method: 'GET', path: '/api/v1/risk', role: 'viewer' },
  { method: 'POST', path: '/api/v1/actors/strategy/fault', role: 'admin', body: { kind: 'crash' } },
  { method: 'POST', path: '/api/v1/chaos/feed', role: 'admin', body: { kind: 'stale', seconds: 5 } },
  { method: 'GET', path: '/openapi.json', role: 'none' },
  { method: 'GET', path: '/docs', role: 'none' },
  { method: 'GET', path: '/', role: 'none' },
];

/** `/api/v1/actors/{name}` matches `/api/v1/actors/executor`. */
export function templateMatches(template: string, path: string): boolean {
  const re = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
  return re.test(path);
}

export async function openapiDoc(app: OpenAPIHono): Promise<{ paths: Record<string, Record<string, { 'x-role'?: string; requestBody?: unknown }>> }> {
  const res = await app.request('/openapi.json');
  return (await res.json()) as never;
}

export function jsonInit(method: string, headers: Record<string, string>, body?: unknown): RequestInit {
  return body === undefined ? { method, headers } : { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
