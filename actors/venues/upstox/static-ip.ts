/**
 * @module Static-IP pre-flight: the addresses registered with Upstox (`GET /v2/user/ip`) against this machine's
 * egress address, where it can be known. Since 1 Apr 2026 Upstox refuses order writes (place, modify, cancel, multi,
 * exit-all, GTT) from any other address (HTTP 403 UDAPI1154); reads are exempt, so a system can look healthy and
 * still be unable to close a position.
 *
 * How the egress address is known (never guessed):
 * 1. `UPSTOX_EGRESS_IP_URL` set: that URL's answer (plain text, the caller's address as the far side saw it) — an
 *    outside "what is my IP" service of the operator's choosing (e.g. https://checkip.amazonaws.com). Off by default:
 *    VolGuard calls no third party unless told to.
 * 2. Otherwise the route: the source address this host would use to reach the Upstox order host (a UDP socket
 *    "connected" to it — no packet is sent). That address is what Upstox sees only when nothing rewrites it on the
 *    way: when it is a public address (no NAT on this host), or when the order host is itself loopback / on this
 *    network (the local fake, a LAN proxy).
 * 3. Anything else — a private source address (behind NAT), a name that does not resolve (offline) — is `unknown`,
 *    said as such: the order writes themselves then tell (UDAPI1154 → HALTED with cause STATIC_IP).
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { StaticIps } from '../broker.ts';

export type EgressAddress =
  | { readonly known: true; readonly ip: string; readonly how: string }
  | { readonly known: false; readonly why: string };

export type StaticIpVerdict = 'match' | 'mismatch' | 'unknown' | 'unregistered' | 'error';

/** A check result in the shape `volguard validate` prints (name, ok, detail) plus the evidence. */
export interface StaticIpCheck {
  readonly name: 'upstox static ip';
  /** False for a mismatch, no registered address, or an unreadable registration; an unknown egress is not a failure. */
  readonly ok: boolean;
  /** True when the check could not decide (egress unknown): show it, do not fail on it. */
  readonly warning: boolean;
  readonly verdict: StaticIpVerdict;
  readonly detail: string;
  readonly registered: StaticIps | null;
  readonly egress: EgressAddress | null;
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; lower-case IPv6. */
export function normaliseIp(ip: string): string {
  const t = ip.trim().toLowerCase();
  return t.startsWith('::ffff:') && isIP(t.slice(7)) === 4 ? t.slice(7) : t;
}

/** Loopback, RFC 1918, CGNAT (100.64/10), link-local, IPv6 ULA/link-local: an address nobody outside sees. */
export function isPrivateAddress(ip: string): boolean {
  const a = normaliseIp(ip);
  if (isIP(a) === 4) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return x === 10 || x === 127 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || (x === 169 && y === 254)
      || (x === 100 && y >= 64 && y <= 127) || x === 0;
  }
  return a === '::1' || a === '::' || a.startsWith('fc') || a.startsWith('fd') || a.startsWith('fe80');
}

export interface EgressOptions {
  /** The order host's URL (https://api-hft.upstox.com, or the fake's). */
  readonly orderHost: string;
  /** UPSTOX_EGRESS_IP_URL. */
  readonly echoUrl?: string | undefined;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export async function egressAddress(opts: EgressOptions): Promise<EgressAddress> {
  if (opts.echoUrl !== undefined && opts.echoUrl !== '') {
    try {
      const res = await (opts.fetch ?? fetch)(opts.echoUrl, { signal: AbortSignal.timeout(opts.timeoutMs) });
      const text = (await res.text()).trim();
      if (!res.ok) return { known: false, why: `UPSTOX_EGRESS_IP_URL answered HTTP ${res.status}` };
      if (isIP(text) === 0) return { known: false, why: `UPSTOX_EGRESS_IP_URL answered ${JSON.stringify(text.slice(0, 60))}, not an IP address` };
      return { known: true, ip: normaliseIp(text), how: `as seen by ${new URL(opts.echoUrl).host} (UPSTOX_EGRESS_IP_URL)` };
    } catch (err) {
      return { known: false, why: `UPSTOX_EGRESS_IP_URL unreachable (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  const host = new URL(opts.orderHost).hostname.replace(/^\[|\]$/g, '');
  let target: string;
  try {
    target = isIP(host) !== 0 ? host : (await lookup(host, { family: 4 }).catch(() => lookup(host))).address;
  } catch (err) {
    return { known: false, why: `cannot resolve ${host} (offline?): ${err instanceof Error ? err.message : String(err)}` };
  }
  let source: string;
  try {
    source = await routeSource(target);
  } catch (err) {
    return { known: false, why: `no route to ${host} (${target}): ${err instanceof Error ? err.message : String(err)}` };
  }
  if (isPrivateAddress(target)) return { known: true, ip: normaliseIp(source), how: `route to ${host}, which is on this network (it sees ${normaliseIp(source)})` };
  if (!isPrivateAddress(source)) return { known: true, ip: normaliseIp(source), how: `route to ${host} leaves from public address ${normaliseIp(source)} (no NAT on this host)` };
  return {
    known: false,
    why: `this host reaches ${host} from private address ${normaliseIp(source)} (behind NAT): its public address cannot be known without asking an outside service — set UPSTOX_EGRESS_IP_URL to check it`,
  };
}

/** The local address the kernel would use towards `ip` (UDP connect sends nothing). */
function routeSource(ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
    sock.on('error', (err) => { sock.close(); reject(err); });
    sock.connect(443, ip, () => {
      try {
        resolve(sock.address().address);
      } catch (err) {
        reject(err);
      } finally {
        sock.close();
      }
    });
  });
}

/**
 * The verdict, given the registration (or the error reading it) and the egress address. Pure: the wiring (which
 * REST client, which egress finder) is `runStaticIpCheck`.
 */
export function judgeStaticIp(registered: StaticIps | Error, egress: EgressAddress): StaticIpCheck {
  const name = 'upstox static ip';
  if (registered instanceof Error) {
    return { name, ok: false, warning: false, verdict: 'error', detail: `expected the registered static IPs (GET /v2/user/ip), was an error (${registered.message})`, registered: null, egress };
  }
  const list = [registered.primary, registered.secondary].filter((ip): ip is string => ip !== null && ip !== '').map(normaliseIp);
  const shown = list.length === 0 ? 'none' : list.join(', ');
  if (list.length === 0) {
    return {
      name, ok: false, warning: false, verdict: 'unregistered', registered, egress,
      detail: 'expected a static IP registered with Upstox for order writes, was none: register this machine\'s public IP (My Apps or PUT /v2/user/ip) and install a new token after',
    };
  }
  if (!egress.known) {
    return { name, ok: true, warning: true, verdict: 'unknown', registered, egress, detail: `registered ${shown}; this machine's egress address is unknown (${egress.why}); order writes will tell (a refusal HALTs with STATIC_IP)` };
  }
  if (list.includes(normaliseIp(egress.ip))) {
    return { name, ok: true, warning: false, verdict: 'match', registered, egress, detail: `egress ${egress.ip} is registered (${shown}); ${egress.how}` };
  }
  return {
    name, ok: false, warning: false, verdict: 'mismatch', registered, egress,
    detail: `expected this machine's egress address among the registered static IPs (${shown}), was ${egress.ip} (${egress.how}): Upstox will refuse every order write (UDAPI1154); run from the registered machine or register this address`,
  };
}

export async function runStaticIpCheck(read: () => Promise<StaticIps>, egress: () => Promise<EgressAddress>): Promise<StaticIpCheck> {
  const [registered, address] = await Promise.all([read().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))), egress()]);
  return judgeStaticIp(registered, address);
}
