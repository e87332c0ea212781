/**
 * @module A Link is one end of a port (MessagePort, parentPort or a Worker) carrying msgpack envelope batches.
 *
 * Sends within one synchronous turn are coalesced into a single batch flushed in a microtask: a burst of N messages
 * costs one postMessage and one transfer, while a lone request still leaves at once (no timer). Non-binary posts on
 * the same port are control messages (port hand-overs, log lines) and go to `onControl`.
 */
import type { Packr } from 'msgpackr';
import { createCodec, decodeBatch, encodeBatch, type Envelope } from './envelope.ts';

export interface PortLike {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[] | readonly unknown[]): void;
  on(event: 'message', listener: (value: unknown) => void): unknown;
  off?(event: 'message', listener: (value: unknown) => void): unknown;
  close?(): void;
}

export interface LinkHandlers {
  onEnvelope(env: Envelope): void;
  onControl?(value: unknown): void;
  /** A batch that could not be decoded: never silently dropped. */
  onDecodeError?(err: unknown): void;
}

export class Link {
  readonly #port: PortLike;
  readonly #codec: Packr;
  #queue: Envelope[] = [];
  #scheduled = false;
  #closed = false;
  msgsOut = 0;
  msgsIn = 0;
  readonly #listener: (value: unknown) => void;

  constructor(port: PortLike, handlers: LinkHandlers, codec: Packr = createCodec()) {
    this.#port = port;
    this.#codec = codec;
    this.#listener = (value: unknown) => {
      if (value instanceof Uint8Array) {
        let batch: Envelope[];
        try {
          batch = decodeBatch(this.#codec, value);
        } catch (err) {
          if (handlers.onDecodeError) handlers.onDecodeError(err);
          else throw err;
          return;
        }
        this.msgsIn += batch.length;
        for (const env of batch) handlers.onEnvelope(env);
      } else {
        handlers.onControl?.(value);
      }
    };
    port.on('message', this.#listener);
  }

  get closed(): boolean {
    return this.#closed;
  }

  post(env: Envelope): void {
    if (this.#closed) throw new Error(`link closed; cannot post ${env.type} to ${env.to}`);
    this.#queue.push(env);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Sends what is queued now (also called by the microtask). */
  flush(): void {
    this.#scheduled = false;
    if (this.#queue.length === 0 || this.#closed) return;
    const batch = this.#queue;
    this.#queue = [];
    const bytes = encodeBatch(this.#codec, batch);
    this.#port.postMessage(bytes, [bytes.buffer]);
    this.msgsOut += batch.length;
  }

  /** Control messages (structured clone), e.g. a MessagePort hand-over. */
  postControl(value: unknown, transferList: readonly unknown[] = []): void {
    this.#port.postMessage(value, transferList);
  }

  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#port.off?.('message', this.#listener);
    this.#port.close?.();
  }
}
