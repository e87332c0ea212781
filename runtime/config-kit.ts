/**
 * @module Small zod builders for environment variables (strings in, typed values out, clear messages).
 * Actor config sections use these so every variable reads the same way.
 */
import { z } from 'zod';

/** A decimal number from an env string, with bounds. */
export function envNumber(opts: { min?: number; max?: number; int?: boolean } = {}) {
  return z.string().trim().transform((raw, ctx) => {
    const value = raw === '' ? Number.NaN : Number(raw);
    const bounds = `${opts.int ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}`;
    if (!Number.isFinite(value) || (opts.int && !Number.isInteger(value)) ||
        (opts.min !== undefined && value < opts.min) || (opts.max !== undefined && value > opts.max)) {
      ctx.addIssue({ code: 'custom', message: `expected ${bounds}, was ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    return value;
  });
}

/** `1|true|yes|on` / `0|false|no|off`. */
export function envBool() {
  return z.string().trim().transform((raw, ctx) => {
    const v = raw.toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    ctx.addIssue({ code: 'custom', message: `expected 1|0|true|false, was ${JSON.stringify(raw)}` });
    return z.NEVER;
  });
}

/** One of a closed set of words (case-sensitive, as documented). */
export function envEnum<const T extends readonly [string, ...string[]]>(values: T) {
  return z.string().trim().transform((raw, ctx) => {
    if ((values as readonly string[]).includes(raw)) return raw as T[number];
    ctx.addIssue({ code: 'custom', message: `expected one of ${values.join('|')}, was ${JSON.stringify(raw)}` });
    return z.NEVER;
  });
}

/** A non-empty string. */
export function envString(minLength = 1) {
  return z.string().refine((s) => s.length >= minLength, { message: `expected at least ${minLength} characters` });
}

/**
 * A file-creation mask in octal (`077`, `0027`). It must keep the owner's own rights and take write away from group
 * and others: a mask that lets others write the journal, or locks the service out of it, is refused.
 */
export function envUmask() {
  return z.string().trim().transform((raw, ctx) => {
    const value = /^0?[0-7]{3}$/.test(raw) ? Number.parseInt(raw, 8) : Number.NaN;
    if (!Number.isInteger(value) || (value & 0o700) !== 0 || (value & 0o022) !== 0o022) {
      ctx.addIssue({ code: 'custom', message: `expected an octal umask that keeps the owner's rights and removes group and other write (077, 027, 022), was ${JSON.stringify(raw)}` });
      return z.NEVER;
    }
    return value;
  });
}

/** A shape of env variable name → parser; every actor's config section is one of these. */
export type EnvShape = Record<string, z.ZodType<unknown, string | undefined>>;

/** The parsed values of an env shape, keyed by variable name (optional variables are optional keys). */
export type EnvValues<S extends EnvShape> = z.output<z.ZodObject<S>>;

/** The variable names of an env shape. */
export function keysOf<S extends EnvShape>(shape: S): (keyof S & string)[] {
  return Object.keys(shape) as (keyof S & string)[];
}

/**
 * Copies `keys` (those that are set) out of a parsed config: how an actor's spec cuts its own section from the boot
 * config, so nothing else — no other actor's variable, no credential — reaches its worker.
 */
export function pickSection<C extends object, K extends keyof C>(cfg: C, keys: readonly K[]): Pick<C, K> {
  const out: Partial<Pick<C, K>> = {};
  for (const k of keys) if (cfg[k] !== undefined) out[k] = cfg[k];
  return out as Pick<C, K>;
}
