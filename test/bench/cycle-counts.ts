/**
 * @module How many cycles a full-cycle bench (`system`, `upstox`) measures and warms up, from its environment
 * variables. One parser for both, so the two benches read their knobs alike: unset or empty is the default; anything
 * but a whole number in range is refused with the variable's name before any system starts (a typo must not quietly
 * measure the default).
 */

/** `name`'s value as a whole number of cycles, at least `min`; `fallback` when unset or empty. */
export function cycleCount(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${name}: expected a whole number of cycles, ${min === 0 ? '0 or more' : `at least ${min}`}, was '${raw}'`);
  }
  return v;
}

/** The cycles a bench measures (`<PREFIX>_CYCLES`: at least 10, so a p99 means something) and warms up first
 *  (`<PREFIX>_WARMUP`: 0 for none). */
export function cyclePlan(prefix: string, env: NodeJS.ProcessEnv, defaults: { readonly cycles: number; readonly warmup: number }): { cycles: number; warmup: number } {
  return {
    cycles: cycleCount(`${prefix}_CYCLES`, env[`${prefix}_CYCLES`], defaults.cycles, 10),
    warmup: cycleCount(`${prefix}_WARMUP`, env[`${prefix}_WARMUP`], defaults.warmup, 0),
  };
}
