/**
 * @module Performance metrics of a session or a backtest, from its equity curve, its days and its closed trades. Pure.
 * The definitions below are also written into every report (DEFINITIONS), so a reader sees exactly what was computed.
 */

export const TRADING_DAYS_PER_YEAR = 252;

export const DEFINITIONS: Readonly<Record<string, string>> = {
  equity: 'starting capital + realised P&L of fills (average-cost, per instrument) + settlement − charges + the latest unrealised P&L the risk actor marked; every figure net of the charges journaled',
  drawdown: 'at each point, the equity\'s fall from its highest value so far (₹, and % of that peak); the maximum drawdown is the largest such fall',
  dayPnl: 'per IST trading date: net P&L = gross (realised on fills that day + change in unrealised) + settlement − charges',
  dailyReturn: 'r_d = day net P&L / equity at the start of the day',
  sharpe: `annualised Sharpe ratio = mean(r_d) / stdev(r_d) × √${TRADING_DAYS_PER_YEAR}; sample standard deviation (n − 1), risk-free rate 0; null with fewer than 2 days or no variation`,
  sortino: `annualised Sortino ratio = mean(r_d) / DD × √${TRADING_DAYS_PER_YEAR}, DD = √(Σ min(r_d, 0)² / n) over all n days (target 0); null with fewer than 2 days or no losing day`,
  winRate: 'closed trades (structures) with net P&L > 0, divided by all closed trades',
  expectancy: 'mean net P&L per closed trade = win rate × average win − (1 − win rate) × average loss',
  worstDay: 'the trading date with the lowest net P&L',
};

export interface EquityPoint {
  readonly ts: number;
  readonly equity: number;
}

export interface DrawdownPoint extends EquityPoint {
  readonly peak: number;
  /** peak − equity, ₹ (≥ 0). */
  readonly drawdown: number;
  /** drawdown / peak (0 when the peak is not positive). */
  readonly drawdownPct: number;
}

export function drawdowns(curve: readonly EquityPoint[]): DrawdownPoint[] {
  let peak = Number.NEGATIVE_INFINITY;
  return curve.map((p) => {
    peak = Math.max(peak, p.equity);
    const drawdown = peak - p.equity;
    return { ...p, peak, drawdown, drawdownPct: peak > 0 ? drawdown / peak : 0 };
  });
}

export interface DayResult {
  readonly date: string;
  readonly net: number;
  /** Equity at the start of the day (the return's base). */
  readonly startEquity: number;
}

export interface TradeResult {
  readonly net: number;
}

export interface Metrics {
  readonly days: number;
  readonly totalNet: number;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly maxDrawdown: number;
  readonly maxDrawdownPct: number;
  readonly worstDay: { readonly date: string; readonly net: number } | null;
  readonly trades: number;
  readonly wins: number;
  readonly losses: number;
  readonly winRate: number | null;
  readonly averageWin: number | null;
  readonly averageLoss: number | null;
  readonly expectancy: number | null;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export function dailyReturns(days: readonly DayResult[]): number[] {
  return days.map((d) => (d.startEquity > 0 ? d.net / d.startEquity : 0));
}

export function sharpe(returns: readonly number[]): number | null {
  if (returns.length < 2) return null;
  const m = mean(returns);
  const variance = returns.reduce((a, r) => a + (r - m) ** 2, 0) / (returns.length - 1);
  if (!(variance > 0)) return null;
  return (m / Math.sqrt(variance)) * Math.sqrt(TRADING_DAYS_PER_YEAR);
}

export function sortino(returns: readonly number[]): number | null {
  if (returns.length < 2) return null;
  const downside = Math.sqrt(returns.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / returns.length);
  if (!(downside > 0)) return null;
  return (mean(returns) / downside) * Math.sqrt(TRADING_DAYS_PER_YEAR);
}

export function computeMetrics(curve: readonly EquityPoint[], days: readonly DayResult[], trades: readonly TradeResult[]): Metrics {
  const dd = drawdowns(curve);
  let maxDrawdown = 0;
  let maxDrawdownPct = 0;
  for (const p of dd) {
    if (p.drawdown > maxDrawdown) maxDrawdown = p.drawdown;
    if (p.drawdownPct > maxDrawdownPct) maxDrawdownPct = p.drawdownPct;
  }
  const returns = dailyReturns(days);
  let worstDay: Metrics['worstDay'] = null;
  for (const d of days) if (worstDay === null || d.net < worstDay.net) worstDay = { date: d.date, net: d.net };
  const wins = trades.filter((t) => t.net > 0);
  const losses = trades.filter((t) => !(t.net > 0));
  const n = trades.length;
  const winRate = n > 0 ? wins.length / n : null;
  const averageWin = wins.length > 0 ? mean(wins.map((t) => t.net)) : null;
  const averageLoss = losses.length > 0 ? -mean(losses.map((t) => t.net)) : null;
  return {
    days: days.length, totalNet: days.reduce((a, d) => a + d.net, 0), sharpe: sharpe(returns), sortino: sortino(returns),
    maxDrawdown, maxDrawdownPct, worstDay, trades: n, wins: wins.length, losses: losses.length, winRate, averageWin, averageLoss,
    expectancy: n > 0 ? mean(trades.map((t) => t.net)) : null,
  };
}
