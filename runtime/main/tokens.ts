/**
 * @module Bearer tokens for the control plane. The admin token comes from VOLGUARD_ADMIN_TOKEN or is generated once
 * into DATA_DIR/admin.token with mode 0600 (only its location is printed, never the token).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';
import { ConfigError } from '../errors.ts';
import type { Tokens } from '../../gateway/deps.ts';

export interface TokenSource {
  readonly tokens: Tokens;
  /** Where the generated admin token lives, when it was generated. */
  readonly adminTokenFile: string | null;
}

export function adminTokenPath(dataDir: string): string {
  return path.join(dataDir, 'admin.token');
}

export function loadTokens(cfg: Config): TokenSource {
  const base = {
    ...(cfg.VOLGUARD_OPERATOR_TOKEN ? { operator: cfg.VOLGUARD_OPERATOR_TOKEN } : {}),
    ...(cfg.VOLGUARD_VIEWER_TOKEN ? { viewer: cfg.VOLGUARD_VIEWER_TOKEN } : {}),
  };
  if (cfg.VOLGUARD_ADMIN_TOKEN) return { tokens: { admin: cfg.VOLGUARD_ADMIN_TOKEN, ...base }, adminTokenFile: null };
  const file = adminTokenPath(cfg.DATA_DIR);
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600); // never leave a readable secret behind
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16) throw new ConfigError([{ variable: 'VOLGUARD_ADMIN_TOKEN', message: `${file} holds a token shorter than 16 characters` }]);
    return { tokens: { admin: token, ...base }, adminTokenFile: file };
  }
  mkdirSync(cfg.DATA_DIR, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { tokens: { admin: token, ...base }, adminTokenFile: file };
}
