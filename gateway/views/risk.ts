/**
 * @module The risk report in the units a trader reads (pure): ₹ for a 1 % move (delta and gamma), ₹ per vol point,
 * ₹ per day, per underlying, per expiry and in total, and each limit with its soft and hard level in the same unit.
 * The shape follows INTERFACE.md's `GET /api/v1/risk`.
 */
import type { LimitName, PortfolioStops, RiskReport } from '../../actors/risk/messages.ts';

export interface RupeeGreeks {
  /** ₹ of P&L for a 1 % rise in spot (delta · spot · 1 %). */
  readonly delta1pct: number;
  /** ₹ of P&L from gamma for a 1 % move (½ Γ (1 % S)²). */
  readonly gamma1pct: number;
  /** ₹ per vol point. */
  readonly vega: number;
  /** ₹ per calendar day. */
  readonly theta: number;
}

export interface LimitView {
  readonly name: LimitName;
  /** What the limit covers (the risk actor limits delta per underlying, vega and gamma per expiry too). */
  readonly scope: 'total' | 'underlying' | 'expiry';
  readonly underlying?: string;
  readonly expiry?: string;
  /** The unit value, soft and hard are in (delta is shown in ₹ per 1 % move too, converted with BASE_CAPITAL). */
  readonly unit: string;
  readonly value: number;
  readonly soft: number;
  readonly hard: number;
  readonly utilisation: number;
  readonly breach: 'soft' | 'hard' | null;
}

export interface StressScenarioView {
  readonly kind: 'grid' | 'gap' | 'pin';
  readonly name: string;
  readonly spotPct: number;
  readonly volPts: number;
  readonly pnl: number;
}

export interface RiskView {
  readonly ts: number;
  readonly byUnderlying: Readonly<Record<string, RupeeGreeks>>;
  readonly byExpiry: readonly ({ readonly underlying: string; readonly expiry: string } & RupeeGreeks)[];
  readonly total: RupeeGreeks;
  /**
   * The risk actor's stress grid (spot × IV), overnight gaps and expiry-day pins, each ₹ P&L (kind says which, so the
   * page can lay the grid cells out as a heat map and list the rest); worst: the largest loss, ₹; worstCell: the
   * scenario that gives it.
   */
  readonly stress: {
    readonly grid: readonly StressScenarioView[];
    readonly worst: number;
    readonly worstCell: StressScenarioView | null;
  };
  /** The portfolio MTM stop and trailing lock, account and per bucket (actors/risk/stops.ts); null before risk reports them. */
  readonly stops: PortfolioStops | null;
  readonly limits: readonly LimitView[];
  readonly breaches: readonly { readonly limit: LimitName; readonly level: 'soft' | 'hard'; readonly value: number; readonly threshold: number; readonly catastrophic: boolean }[];
  /** Held instruments the surface could not value (their greeks are missing from the totals). */
  readonly unvalued: readonly string[];
}

const UNITS: Readonly<Record<LimitName, string>> = {
  delta: '₹ per 1 % move', vega: '₹ per vol pt', gamma: '₹ per 1 % move', theta: '₹ per day',
  dailyLoss: '₹', stress: '₹', capitalAtRisk: '₹', margin: '₹',
};

export function riskView(r: RiskReport, _baseCapital: number): RiskView {
  const byUnderlying: Record<string, RupeeGreeks> = {};
  const byExpiry: ({ underlying: string; expiry: string } & RupeeGreeks)[] = [];
  // The risk actor reports ₹ per 1 % move per underlying and expiry, and the totals beta-weighted to NIFTY.
  for (const u of r.byUnderlying) {
    byUnderlying[u.underlying] = { delta1pct: u.delta1pct, gamma1pct: u.gamma1pct, vega: u.vega, theta: u.theta };
    for (const e of u.byExpiry) byExpiry.push({ underlying: u.underlying, expiry: e.expiry, delta1pct: e.delta1pct, gamma1pct: e.gamma1pct, vega: e.vega, theta: e.theta });
  }
  // The risk actor's limits are in the units a trader reads already (delta in ₹ per 1 % move); a breach is matched to
  // its limit by name and scope.
  const scopeKey = (name: LimitName, x: { readonly scope: string; readonly underlying?: string; readonly expiry?: string }) =>
    `${name}|${x.scope}|${x.underlying ?? ''}|${x.expiry ?? ''}`;
  const breachOf = new Map(r.breaches.map((b) => [scopeKey(b.limit, b), b.level]));
  const limits = r.limits.map((l): LimitView => ({
    name: l.name, scope: l.scope, ...(l.underlying !== undefined ? { underlying: l.underlying } : {}), ...(l.expiry !== undefined ? { expiry: l.expiry } : {}),
    unit: UNITS[l.name], value: l.value, soft: l.soft, hard: l.limit, utilisation: l.utilisation, breach: breachOf.get(scopeKey(l.name, l)) ?? null,
  }));
  const pct = (x: number) => `${x > 0 ? '+' : ''}${x}`;
  const grid = [
    ...r.stress.grid.map((c): StressScenarioView => ({ kind: 'grid', name: `spot ${pct(c.spotPct)} % IV ${pct(c.volPts)} pt`, spotPct: c.spotPct, volPts: c.volPts, pnl: c.pnl })),
    ...[...r.stress.gaps, ...r.stress.pins].map((c): StressScenarioView => ({ kind: c.kind, name: c.name, spotPct: c.spotPct, volPts: c.volPts, pnl: c.pnl })),
  ];
  // The report names its worst scenario; the matching entry here (a grid cell by spot and IV, a gap or pin by name) is
  // the one the page marks.
  const w = r.stress.worst;
  const worstCell = grid.find((c) => c.kind === w.kind && (w.kind === 'grid' ? c.spotPct === w.spotPct && c.volPts === w.volPts : c.name === w.name)) ?? null;
  return {
    ts: r.ts,
    byUnderlying,
    byExpiry,
    total: { delta1pct: r.total.delta1pct, gamma1pct: r.total.gamma1pct, vega: r.total.vega, theta: r.total.theta },
    stress: { grid, worst: r.stress.loss, worstCell },
    // Older reports (and fixtures) may lack stops; the page then shows none rather than a blank state.
    stops: (r as Partial<RiskReport>).stops ?? null,
    limits,
    breaches: r.breaches.map((b) => ({ limit: b.limit, level: b.level, value: b.value, threshold: b.threshold, catastrophic: b.catastrophic })),
    unvalued: [...r.unvalued],
  };
}
