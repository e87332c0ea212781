/**
 * @module Deterministic client order ids. The same saga number, leg and attempt always give the same id, so after a
 * crash the executor can find its orders at the broker by tag instead of guessing. Ids fit Upstox `correlation_id`
 * (≤ 20 chars), hence also `tag` (≤ 40).
 *
 * Shape: `VG<saga base36>-<leg><role><attempt base36>[-<slice>]` — e.g. `VG1z-0E0`, `VG1z-2C1`, `VG1z-2E0-1` (slice 1).
 * Roles: E entry, C compensation, X exit (close), F flatten. Flatten orders use `VGF<run>-<n>`.
 */
export const CLIENT_ID_MAX = 20;

export type OrderRole = 'entry' | 'compensate' | 'exit' | 'flatten';
const ROLE_CODE: Readonly<Record<OrderRole, string>> = { entry: 'E', compensate: 'C', exit: 'X', flatten: 'F' };

function checked(id: string): string {
  if (id.length > CLIENT_ID_MAX) throw new RangeError(`expected a client order id of at most ${CLIENT_ID_MAX} chars, was ${id.length} (${id})`);
  return id;
}

export function sagaId(sagaNo: number): string {
  return `VG${sagaNo.toString(36)}`;
}

/** `slice` counts freeze-quantity slices of one leg (0 when unsliced): a slice's tag is `<saga>-<leg>…-<slice>`. */
export function clientOrderId(sagaNo: number, leg: number, role: OrderRole, attempt: number, slice = 0): string {
  const s = slice === 0 ? '' : `-${slice.toString(36)}`;
  return checked(`${sagaId(sagaNo)}-${leg.toString(36)}${ROLE_CODE[role]}${attempt.toString(36)}${s}`);
}

export function flattenOrderId(run: number, n: number): string {
  return checked(`VGF${run.toString(36)}-${n.toString(36)}`);
}

/** True for ids this executor generates (anything else in the broker book was placed outside VolGuard). */
export function isOurs(tag: string | null): boolean {
  return tag !== null && /^VG[0-9a-zF]/.test(tag);
}
