/**
 * @module Order-rate limiter (sliding windows per second and per minute, Upstox's order-API limits). Pure: the caller
 * passes the time; `delayMs` says how long to wait before the next order may go.
 */
export class RateLimiter {
  readonly #perSec: number;
  readonly #perMin: number;
  #sent: number[] = [];

  constructor(perSec: number, perMin: number) {
    if (!(perSec >= 1 && perMin >= 1)) throw new RangeError(`expected positive rate limits, was ${perSec}/s ${perMin}/min`);
    this.#perSec = perSec;
    this.#perMin = perMin;
  }

  /** 0 when an order may be sent at `now`, else the ms to wait. */
  delayMs(now: number): number {
    this.#sent = this.#sent.filter((t) => t > now - 60_000);
    const inSec = this.#sent.filter((t) => t > now - 1_000);
    let wait = 0;
    if (inSec.length >= this.#perSec) wait = Math.max(wait, (inSec[inSec.length - this.#perSec] ?? now) + 1_000 - now);
    if (this.#sent.length >= this.#perMin) wait = Math.max(wait, (this.#sent[this.#sent.length - this.#perMin] ?? now) + 60_000 - now);
    return wait;
  }

  record(now: number): void {
    this.#sent.push(now);
  }
}
