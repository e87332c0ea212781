/**
 * @module `volguard token [--code CODE]`: Upstox OAuth login. Prints the login URL, captures the code (pasted on
 * stdin — the code or the whole redirected URL — or caught by a one-shot listener on 127.0.0.1 at the redirect URI's
 * port), exchanges it, stores DATA_DIR/upstox-token.json (mode 0600) and prints the expiry. Never prints the token.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { CliIo } from '../../../runtime/cli/io.ts';
import { argsError, EXIT } from '../../../runtime/cli/io.ts';
import { resolveHosts } from './hosts.ts';
import { redact } from './redact.ts';
import { UpstoxRest } from './rest/client.ts';
import { UpstoxHttp } from './rest/http.ts';
import { formatIst, jwtExpiry, nextTokenExpiry } from './token/expiry.ts';
import { saveTokenFile } from './token/store.ts';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let code: string | undefined;
  try {
    code = parseArgs({ args: [...argv], options: { code: { type: 'string' } }, strict: true, allowPositionals: false }).values.code;
  } catch (err) {
    const why = argsError(err);
    if (why === null) throw err;
    io.stderr.write(`token: ${why}\nusage: volguard token [--code CODE]\n`);
    return EXIT.usage;
  }
  const env = io.env;
  const missing = ['UPSTOX_API_KEY', 'UPSTOX_API_SECRET', 'UPSTOX_REDIRECT_URI'].filter((k) => (env[k] ?? '') === '');
  if (missing.length > 0) {
    io.stderr.write(`token: expected ${missing.join(', ')} to be set, was unset\n`);
    return EXIT.config;
  }
  const apiKey = env['UPSTOX_API_KEY']!;
  const secret = env['UPSTOX_API_SECRET']!;
  const redirectUri = env['UPSTOX_REDIRECT_URI']!;
  let hosts;
  try {
    hosts = resolveHosts({ baseUrl: env['UPSTOX_BASE_URL'], env: env['UPSTOX_ENV'] === 'sandbox' ? 'sandbox' : 'production' });
  } catch (err) {
    io.stderr.write(`token: ${(err as Error).message}\n`);
    return EXIT.config;
  }
  const state = randomBytes(8).toString('hex');
  const login = new URL(`${hosts.api}/v2/login/authorization/dialog`);
  login.search = new URLSearchParams({ response_type: 'code', client_id: apiKey, redirect_uri: redirectUri, state }).toString();
  io.stdout.write(`Open this URL, log in, and approve:\n  ${login.toString()}\n`);

  if (code === undefined) {
    io.stdout.write('Then paste the code (or the whole redirected URL) here');
    const redirect = new URL(redirectUri);
    const local = (redirect.hostname === '127.0.0.1' || redirect.hostname === 'localhost') && redirect.port !== '';
    io.stdout.write(local ? `, or let the browser return to ${redirectUri} (listening).\n` : '.\n');
    try {
      code = await captureCode(io, local ? redirect : undefined, state);
    } catch (err) {
      io.stderr.write(`token: ${(err as Error).message}\n`);
      return EXIT.failure;
    }
  }

  let token: string | undefined;
  try {
    const rest = new UpstoxRest(new UpstoxHttp({ hosts, token: () => undefined, timeoutMs: 15_000, maxReadRetries: 0 }));
    const res = await rest.exchangeToken({ code, clientId: apiKey, clientSecret: secret, redirectUri });
    token = res.access_token;
    const issuedAt = Date.now();
    const expiresAt = jwtExpiry(token) ?? nextTokenExpiry(issuedAt);
    const dataDir = path.resolve(io.cwd, env['DATA_DIR'] ?? './data');
    const file = await saveTokenFile(dataDir, { access_token: token, expires_at: expiresAt, issued_at: issuedAt, user_id: res.user_id });
    io.stdout.write(`Token for ${res.user_id} stored at ${file} (mode 0600); valid until ${formatIst(expiresAt)}.\n`);
    return EXIT.ok;
  } catch (err) {
    io.stderr.write(`token: exchange failed: ${redact((err as Error).message, [token, secret, code])}\n`);
    return EXIT.failure;
  }
}

/** First of: a pasted line on stdin, or a request to the local redirect URI. The listener closes either way. */
async function captureCode(io: CliIo, local: URL | undefined, state: string): Promise<string> {
  let server: Server | undefined;
  const rl = createInterface({ input: io.stdin });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.on('line', (line) => {
        const text = line.trim();
        if (text === '') return;
        const fromUrl = /^https?:\/\//.test(text) ? new URL(text).searchParams.get('code') : text;
        if (fromUrl === null || fromUrl === '') return reject(new Error('expected a code or a URL with ?code=, was a URL without one'));
        resolve(fromUrl);
      });
      rl.on('close', () => reject(new Error('expected a code on stdin, was end of input')));
      if (local !== undefined) {
        server = createServer((req, res) => {
          const url = new URL(req.url ?? '/', local);
          if (url.pathname !== local.pathname) { res.writeHead(404).end(); return; }
          const got = url.searchParams.get('code');
          if (got === null || got === '') { res.writeHead(400).end('expected ?code=, was none'); return; }
          if (url.searchParams.get('state') !== state) { res.writeHead(400).end('state mismatch; start again'); reject(new Error('expected the state we sent, was a different one (possible CSRF)')); return; }
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end('VolGuard received the code; you can close this tab.\n');
          resolve(got);
        });
        server.on('error', (err) => reject(new Error(`expected to listen on ${local.host}, was ${(err as Error).message}`)));
        server.listen(Number(local.port), '127.0.0.1');
      }
    });
  } finally {
    rl.close();
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((r) => server!.close(() => r()));
    }
  }
}
