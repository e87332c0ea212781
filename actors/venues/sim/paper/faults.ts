/**
 * @module Test fault switches for the paper exchange (tests and chaos drills only): reject the next order with a
 * reason, make the next order call ambiguous (the order IS accepted, then the call throws `AMBIGUOUS`), delay fills.
 */
export class PaperFaults {
  #rejects: string[] = [];
  #ambiguous = 0;
  /** While true, order updates are not pushed to listeners (a dead portfolio stream); the books still change. */
  muteUpdates = false;
  /** Extra time before any order can fill (ms). */
  fillDelayMs = 0;

  /** The next order (one per call) is rejected by RMS with this reason. */
  rejectNext(reason: string): void {
    this.#rejects.push(reason);
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
  takeReject(): string | undefined {
    return this.#rejects.shift();
  }
  /** @internal */
  takeAmbiguous(): boolean {
    if (this.#ambiguous === 0) return false;
    this.#ambiguous--;
    return true;
  }
}
