/**
 * @module The control plane's ports: checked before the actor tree starts, so a port already in use ends the start
 * with one clear line (which port, which variable) and a non-zero exit, not a stack trace and a process that hangs on.
 */
import { createServer } from 'node:net';
import { VolguardError } from '../errors.ts';

/** A port the gateway or the metrics server cannot listen on; exits with the config code (78). */
export function portError(variable: string, port: number, host: string, err: unknown): VolguardError {
  const code = (err as NodeJS.ErrnoException).code ?? String(err);
  const why = code === 'EADDRINUSE' ? 'in use by another process' : code === 'EACCES' ? 'not allowed (ports below 1024 need privileges)' : code === 'EADDRNOTAVAIL' ? 'not an address of this machine (VOLGUARD_HOST)' : 'unusable';
  return new VolguardError('CONFIG', `expected ${variable} ${port} on ${host} free to listen on, was ${why} (${code}): stop what holds it or set ${variable} to another port`, { cause: err });
}

/** Resolves when `port` can be listened on at `host` (0 = any port: nothing to check); rejects with portError. */
export function assertPortFree(variable: string, port: number, host: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (err) => reject(portError(variable, port, host, err)));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve()));
  });
}

/** Runs a listen; a failure to bind becomes portError (anything else passes through unchanged). */
export async function listening<T>(variable: string, port: number, host: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw portError(variable, port, host, err);
    throw err;
  }
}
