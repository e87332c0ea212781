/**
 * @module The venue's compliance state for order writes (static IP): one place that hears every refusal and every
 * pass — from the pre-flight (GET /v2/user/ip vs egress) and from real order writes (HTTP 403 UDAPI1154, or a write
 * that went through) — and tells listeners only when the state changes. A listener that subscribes late hears the
 * standing refusal at once (the executor may start after the first refusal).
 */
import type { VenueEvent, VenueEvents } from '../broker.ts';

export class Compliance implements VenueEvents {
  readonly #listeners = new Set<(e: VenueEvent) => void>();
  #refusal: Extract<VenueEvent, { type: 'staticIpRefused' }> | null = null;

  get refused(): boolean {
    return this.#refusal !== null;
  }

  on(listener: (e: VenueEvent) => void): () => void {
    this.#listeners.add(listener);
    if (this.#refusal !== null) listener(this.#refusal);
    return () => this.#listeners.delete(listener);
  }

  refuse(message: string, action: string, evidence: Readonly<Record<string, string | number | boolean | null>>): void {
    const first = this.#refusal === null;
    this.#refusal = { type: 'staticIpRefused', message, action, evidence };
    if (first) this.#emit(this.#refusal);
  }

  clear(message: string): void {
    if (this.#refusal === null) return;
    this.#refusal = null;
    this.#emit({ type: 'staticIpCleared', message });
  }

  #emit(e: VenueEvent): void {
    for (const l of this.#listeners) l(e);
  }
}
