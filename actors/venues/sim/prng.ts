/**
 * @module Counter-based pseudo-random numbers: every draw is a pure function of (seed, step, stream, index).
 *
 * Why counter-based rather than a sequential generator: the simulated market must give the same state at simulated
 * time t however it was advanced (one big jump or many small ones) and in every thread that builds it. Keying each
 * draw by its step index makes that hold by construction. The mixer is a murmur3-style finaliser applied to a
 * Weyl-sequence combination of the counters; good enough for a market simulation, not for cryptography.
 */

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of up to four integer counters. */
export function hash32(seed: number, step: number, stream: number, index: number): number {
  let h = fmix32((seed ^ 0x9e3779b9) >>> 0);
  h = fmix32((h + Math.imul(step | 0, 0x85ebca77) + Math.imul(Math.floor(step / 4294967296), 0x27d4eb2f)) >>> 0);
  h = fmix32((h + Math.imul(stream | 0, 0xc2b2ae3d)) >>> 0);
  return fmix32((h + Math.imul(index | 0, 0x165667b1)) >>> 0);
}

/** Uniform in [0, 1) with 32 bits of resolution. */
export function uniform(seed: number, step: number, stream: number, index: number): number {
  return hash32(seed, step, stream, index) / 4294967296;
}

/** Standard normal (Box–Muller on two independent uniforms). */
export function normal(seed: number, step: number, stream: number, index: number): number {
  const u1 = (hash32(seed, step, stream, 2 * index) + 1) / 4294967297; // (0, 1): log is finite
  const u2 = uniform(seed, step, stream, 2 * index + 1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
