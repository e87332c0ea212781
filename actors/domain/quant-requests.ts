/**
 * @module The `volguard quant` request language (INTERFACE.md): zod schemas per op and the pure evaluator.
 * One request object in, one answer object out; errors are answers too (`{id?, error}`), never throws.
 */
import { z } from 'zod';
import { black76Greeks } from './black76.ts';
import { impliedVol } from './implied-vol.ts';
import { sabrVol } from './sabr.ts';
import { calibrateSabr } from './sabr-calibrate.ts';

const id = z.union([z.string(), z.number()]).optional();
const positive = z.number().positive().finite();
const optionType = z.enum(['call', 'put']);

const priceReq = z.object({ id, op: z.literal('price'), type: optionType, forward: positive, strike: positive, t: z.number().nonnegative().finite(), rate: z.number().finite(), vol: z.number().nonnegative().finite() });
const ivReq = z.object({ id, op: z.literal('iv'), type: optionType, forward: positive, strike: positive, t: z.number().nonnegative().finite(), rate: z.number().finite(), price: z.number().finite() });
const sabrReq = z.object({ id, op: z.literal('sabr'), forward: positive, strike: positive, t: z.number().nonnegative().finite(), alpha: positive, beta: z.number().min(0).max(1), rho: z.number().gt(-1).lt(1), nu: z.number().nonnegative().finite(), obloj: z.boolean().optional() });
const calibrateReq = z.object({ id, op: z.literal('calibrate'), forward: positive, t: positive, beta: z.number().min(0).max(1).default(1), strikes: z.array(positive).min(3), vols: z.array(positive).min(3), nuCap: positive.optional() })
  .refine((r) => r.strikes.length === r.vols.length, { message: 'expected as many vols as strikes' });

export const quantRequest = z.discriminatedUnion('op', [priceReq, ivReq, sabrReq, calibrateReq]);
export type QuantRequest = z.infer<typeof quantRequest>;
export type QuantAnswer = Record<string, unknown>;

function withId(req: { id?: string | number | undefined }, body: QuantAnswer): QuantAnswer {
  return req.id === undefined ? body : { id: req.id, ...body };
}

/** Validates and evaluates one parsed JSON value. */
export function answerQuantRequest(raw: unknown): QuantAnswer {
  const rawId = typeof raw === 'object' && raw !== null && 'id' in raw ? (raw as { id: unknown }).id : undefined;
  const echo = typeof rawId === 'string' || typeof rawId === 'number' ? { id: rawId } : {};
  const parsed = quantRequest.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`).join('; ');
    return { ...echo, error: `invalid request: ${issues}` };
  }
  const req = parsed.data;
  try {
    switch (req.op) {
      case 'price': {
        const g = black76Greeks(req.type, req.forward, req.strike, req.t, req.rate, req.vol);
        return withId(req, { price: g.price, delta: g.delta, gamma: g.gamma, vega: g.vega, theta: g.theta, rho: g.rho });
      }
      case 'iv': {
        const r = impliedVol(req.type, req.price, req.forward, req.strike, req.t, req.rate);
        return r.status === 'OK' ? withId(req, { vol: r.vol }) : withId(req, { error: `${r.status}: ${r.reason}`, status: r.status });
      }
      case 'sabr':
        return withId(req, { vol: sabrVol(req.forward, req.strike, req.t, req, { obloj: req.obloj === true }) });
      case 'calibrate': {
        const fit = calibrateSabr({ forward: req.forward, t: req.t, strikes: req.strikes, vols: req.vols }, null, req.nuCap === undefined ? { beta: req.beta } : { beta: req.beta, nuCap: req.nuCap });
        return withId(req, { alpha: fit.params.alpha, rho: fit.params.rho, nu: fit.params.nu, rmse: fit.rmse, maxError: fit.maxError, iterations: fit.iterations, converged: fit.converged });
      }
    }
  } catch (err) {
    return withId(req, { error: (err as Error).message });
  }
}
