/**
 * @module A WebSocket that stays up: authorize (single-use URL) → connect (following redirects) → watch liveness →
 * on loss, back off, re-authorize and connect again. Liveness is ping/pong, never data silence: Upstox sends no data
 * off-hours, and a silence watchdog would hammer `authorize` all night.
 */
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { redact } from '../redact.ts';
import { realTimers, type Timers } from '../rest/rate-limiter.ts';

export type SessionStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected'; readonly reason: string; readonly retryInMs?: number };

export interface SessionOptions {
  readonly name: string;
  /** Returns a fresh single-use URL (calls the authorize endpoint). */
  readonly authorize: () => Promise<string>;
  /** Sent as Authorization on connect (the redirect target may want it too). */
  readonly token: () => string | undefined;
  readonly onOpen: (ws: WebSocket) => void;
  readonly onMessage: (data: Buffer, isBinary: boolean) => void;
  readonly onStatus: (s: SessionStatus) => void;
  readonly pingIntervalMs?: number;
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  readonly timers?: Timers;
  readonly log?: Logger | undefined;
}

export class ResilientSocket {
  readonly #o: SessionOptions;
  readonly #timers: Timers;
  #ws: WebSocket | undefined;
  #running = false;
  #attempt = 0;
  #retryTimer: unknown;
  #pingTimer: NodeJS.Timeout | undefined;
  #awaitingPong = false;

  constructor(opts: SessionOptions) {
    this.#o = opts;
    this.#timers = opts.timers ?? realTimers;
  }

  get isOpen(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#connect();
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const ws = this.#ws;
    this.#ws = undefined;
    this.#stopPing();
    if (ws !== undefined && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
        else ws.close(1000, 'client stop');
      });
    }
  }

  /** Hot token swap: drop the connection and come back at once with a fresh authorization. */
  reauthorize(): void {
    if (!this.#running) return;
    this.#attempt = 0;
    const ws = this.#ws;
    if (ws !== undefined) ws.terminate();
    else if (this.#retryTimer !== undefined) {
      this.#timers.clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
      void this.#connect();
    }
  }

  send(data: Buffer): boolean {
    if (this.#ws?.readyState !== WebSocket.OPEN) return false;
    this.#ws.send(data, { binary: true });
    return true;
  }

  async #connect(): Promise<void> {
    if (!this.#running) return;
    this.#o.onStatus({ kind: 'connecting' });
    let url: string;
    try {
      url = await this.#o.authorize();
    } catch (err) {
      this.#scheduleRetry(`authorize failed: ${this.#safe(err)}`);
      return;
    }
    if (!this.#running) return;
    const token = this.#o.token();
    const ws = new WebSocket(url, {
      followRedirects: true,
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      handshakeTimeout: 10_000,
    });
    this.#ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      this.#attempt = 0;
      this.#o.onStatus({ kind: 'connected' });
      this.#startPing(ws);
      this.#o.onOpen(ws);
    });
    ws.on('message', (data, isBinary) => {
      this.#awaitingPong = false;
      this.#o.onMessage(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer), isBinary);
    });
    ws.on('pong', () => { this.#awaitingPong = false; });
    ws.on('ping', () => { this.#awaitingPong = false; });
    ws.on('unexpected-response', (_req, res) => {
      ws.terminate();
      this.#o.log?.warn({ socket: this.#o.name, status: res.statusCode }, 'websocket handshake refused');
    });
    ws.on('error', (err) => {
      this.#o.log?.warn({ socket: this.#o.name, err: this.#safe(err) }, 'websocket error');
    });
    ws.on('close', (code, reason) => {
      this.#stopPing();
      if (this.#ws === ws) this.#ws = undefined;
      if (!this.#running) return;
      this.#scheduleRetry(opened ? `closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}` : 'connect failed');
    });
  }

  #startPing(ws: WebSocket): void {
    const every = this.#o.pingIntervalMs ?? 10_000;
    this.#awaitingPong = false;
    this.#pingTimer = setInterval(() => {
      if (this.#awaitingPong) {
        this.#o.log?.warn({ socket: this.#o.name }, 'no pong within one ping interval; reconnecting');
        ws.terminate();
        return;
      }
      this.#awaitingPong = true;
      ws.ping();
    }, every);
    this.#pingTimer.unref();
  }

  #stopPing(): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }

  #scheduleRetry(reason: string): void {
    if (!this.#running) return;
    const initial = this.#o.backoffInitialMs ?? 500;
    const delay = Math.min(this.#o.backoffMaxMs ?? 30_000, initial * 2 ** this.#attempt);
    this.#attempt++;
    this.#o.onStatus({ kind: 'disconnected', reason, retryInMs: delay });
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
  }

  #safe(err: unknown): string {
    return redact(err instanceof Error ? err.message : String(err), [this.#o.token()]);
  }
}
