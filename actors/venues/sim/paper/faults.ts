/**
 * @module Test fault switches for the paper exchange (tests and chaos drills only): reject the next order with a
 * reason (or every order on one side), make the next order call ambiguous (the order IS accepted, then the call throws `AMBIGUOUS`), delay fills.
 */
export class PaperFaults {
  #rejects: string[] = [];
  /** While set, every order on this side is rejected by RMS with the reason (the Upstox fake's `partialSuccess`). */
  #rejectSide: { readonly side: 'BUY' | 'SELL'; readonly reason: string } | null = null;
  #ambiguous = 0;
  #partialThenCancel = 0;
  /** While true, order updates are not pushed to listeners (a dead portfolio stream); the books still change. */
  muteUpdates = false;
  /** Extra time before any order can fill (ms). */
  fillDelayMs = 0;

  /** Every order on `side` is rejected by RMS with `reason` until `clearRejectSide()`. */
  rejectSide(side: 'BUY' | 'SELL', reason: string): void {
    this.#rejectSide = { side, reason };
  }
  clearRejectSide(): void {
    this.#rejectSide = null;
  }

  /** The next order (one per call) is rejected by RMS with this reason. */
  rejectNext(reason: string): void {
    this.#rejects.push(reason);
  }
  /**
   * The next `n` orders fill part (half their quantity, in whole lots, when they cross) and then the exchange cancels
   * the rest: a cancelled order with a filled quantity (the Upstox fake's `partialThenCancel`).
   */
  partialThenCancel(n = 1): void {
    if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`expected a non-negative whole count, was ${n}`);
    this.#partialThenCancel += n;
  }
  /** The next order call is processed, then throws BrokerError('AMBIGUOUS'). */
  ambiguousNext(): void {
    this.#ambiguous++;
  }
  delayFills(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`expected a non-negative delay, was ${ms}`);
    this.fillDelayMs = ms;
  }

  /** @internal */
  takeReject(side: 'BUY' | 'SELL'): string | undefined {
    if (this.#rejectSide !== null && this.#rejectSide.side === side) return this.#rejectSide.reason;
    return this.#rejects.shift();
  }
  /** @internal */
  takePartialThenCancel(): boolean {
    if (this.#partialThenCancel === 0) return false;
    this.#partialThenCancel--;
    return true;
  }
  /** @internal */
  takeAmbiguous(): boolean {
    if (this.#ambiguous === 0) return false;
    this.#ambiguous--;
    return true;
  }
}
