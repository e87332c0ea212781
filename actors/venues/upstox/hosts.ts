/**
 * @module Where each Upstox call goes. Production splits order writes onto the HFT host; the sandbox serves only
 * order writes; UPSTOX_BASE_URL (the local fake, a proxy) overrides every host at once.
 */

export interface UpstoxHosts {
  /** REST reads, multi-order, cancel-all, exit-all, margin, login. */
  readonly api: string;
  /** place / modify / cancel (v2 and v3). */
  readonly order: string;
  /** Daily instruments master (gz JSON). */
  readonly assets: string;
}

export const PRODUCTION_HOSTS: UpstoxHosts = {
  api: 'https://api.upstox.com',
  order: 'https://api-hft.upstox.com',
  assets: 'https://assets.upstox.com',
};

/** The SDK points both hosts at the sandbox; reads there fail, as they do against the real sandbox. */
export const SANDBOX_HOSTS: UpstoxHosts = {
  api: 'https://api-sandbox.upstox.com',
  order: 'https://api-sandbox.upstox.com',
  assets: 'https://assets.upstox.com',
};

export function resolveHosts(opts: { baseUrl?: string | undefined; env: 'production' | 'sandbox' }): UpstoxHosts {
  if (opts.baseUrl !== undefined && opts.baseUrl !== '') {
    const base = opts.baseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(base)) throw new TypeError(`expected UPSTOX_BASE_URL to start with http:// or https://, was ${JSON.stringify(opts.baseUrl)}`);
    return { api: base, order: base, assets: base };
  }
  return opts.env === 'sandbox' ? SANDBOX_HOSTS : PRODUCTION_HOSTS;
}

/** Same rule as the official SDKs: any path containing /order/place, /order/modify or /order/cancel. */
export function isOrderHostPath(path: string): boolean {
  return /\/order\/(place|modify|cancel)/.test(path);
}

/** http(s)://host → ws(s)://host, for building WebSocket URLs from a REST base. */
export function toWsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}
