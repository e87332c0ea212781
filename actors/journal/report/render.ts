/**
 * @module Renders a ReportData as one self-contained HTML file (uPlot and the data inlined: it opens offline, from
 * disk, with no network) and as the JSON summary. Tables are rendered here; only the charts run in the browser.
 */
import { asset } from '../../../gateway/routes/assets.ts';
import type { ReportData } from './model.ts';

/** uPlot through the dashboard's one asset table: node_modules from source, the embedded copy in the binary. */
function vendor(urlPath: string): string {
  const a = asset(urlPath);
  if (a === undefined) throw new Error(`expected the dashboard asset ${urlPath}, was missing`);
  return a.body;
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const inr = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `₹${v.toLocaleString('en-IN', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`);
const fixed = (v: number | null | undefined, d = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const pct = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)} %`);
const time = (ts: number | null): string => (ts === null ? '—' : `${new Date(ts + 330 * 60_000).toISOString().slice(0, 19).replace('T', ' ')} IST`);

/** The JSON summary: the report's data as plain JSON (non-finite numbers become null). */
export function renderJson(data: ReportData): string {
  return `${JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], empty: string): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderHtml(data: ReportData): string {
  const m = data.metrics;
  const uplotJs = vendor('/vendor/uplot.js');
  const uplotCss = vendor('/vendor/uplot.css');
  const series = {
    equity: [data.equity.map((p) => p.ts / 1000), data.equity.map((p) => p.equity)],
    drawdown: [data.equity.map((p) => p.ts / 1000), data.equity.map((p) => -p.drawdown)],
    greeks: [data.greeks.map((g) => g.ts / 1000), data.greeks.map((g) => g.delta), data.greeks.map((g) => g.vega), data.greeks.map((g) => g.theta), data.greeks.map((g) => g.gamma)],
  };
  // `</` cannot close the script element from inside a JSON string once escaped.
  const payload = JSON.stringify(series, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)).replaceAll('</', '<\\/');
  const metricRows: [string, string, string][] = [
    ['Net P&L', inr(m.totalNet), 'sum of daily net P&L'],
    ['Days', String(m.days), ''],
    ['Sharpe (annualised)', fixed(m.sharpe), data.definitions['sharpe'] ?? ''],
    ['Sortino (annualised)', fixed(m.sortino), data.definitions['sortino'] ?? ''],
    ['Max drawdown', `${inr(m.maxDrawdown)} (${pct(m.maxDrawdownPct)})`, data.definitions['drawdown'] ?? ''],
    ['Worst day', m.worstDay ? `${esc(m.worstDay.date)}: ${inr(m.worstDay.net)}` : '—', data.definitions['worstDay'] ?? ''],
    ['Closed trades', `${m.trades} (${m.wins} won, ${m.losses} lost)`, ''],
    ['Win rate', pct(m.winRate), data.definitions['winRate'] ?? ''],
    ['Expectancy', inr(m.expectancy), data.definitions['expectancy'] ?? ''],
    ['Fills on derived quotes', `${data.derivedFills.length} of ${data.fills.length}`, 'quotes derived from closes by the spread model (historical data), not quoted by a market'],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(data.title)}</title>
<style>${uplotCss}
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1f24;max-width:1200px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}.neg{color:#b42318}.note{background:#fff7e6;padding:6px 10px;border-left:3px solid #f5a623}
.empty{color:#666;font-style:italic}.chart{margin:8px 0}
</style></head><body>
<h1>${esc(data.title)}</h1>
<p>${esc(time(data.from))} → ${esc(time(data.to))} · starting capital ${inr(data.capital)}</p>
${data.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('\n')}
<h2>Summary</h2>
${table(['metric', 'value', 'definition'], metricRows.map(([a, b, c]) => [esc(a), b, esc(c)]), '')}
<h2>Equity (net of charges) and drawdown</h2>
<div id="equity" class="chart"></div><div id="drawdown" class="chart"></div>
<h2>Days</h2>
${table(['date', 'start equity', 'gross', 'charges', 'settlement', 'net', 'fills'], data.days.map((d) => [esc(d.date), inr(d.startEquity), inr(d.gross), inr(d.charges), inr(d.settlement), `<span class="${d.net < 0 ? 'neg' : ''}">${inr(d.net)}</span>`, String(d.fills)]), 'no trading days')}
<h2>Trades and their rationale</h2>
${table(['structure', 'opened', 'closed', 'why (entry)', 'exits', 'realised', 'charges', 'settlement', 'net', 'fills (derived)'], data.trades.map((t) => [
    `${esc(t.structureId)}<br>${esc(t.underlying)} ${esc(t.kind)} ${esc(t.expiry)}`, esc(time(t.openedAt)), esc(time(t.closedAt)),
    t.entry ? `${esc(t.entry.reason)}<br><small>${esc(JSON.stringify(t.entry.rationale))}</small>` : '—',
    t.exits.map((x) => `${esc(time(x.ts))}: ${esc(x.reason)} <small>${esc(JSON.stringify(x.rationale))}</small>`).join('<br>') || '—',
    inr(t.realised), inr(t.charges), inr(t.settlement), inr(t.net), `${t.fills} (${t.derivedFills})`,
  ]), 'no trades')}
<h2>Safety events</h2>
${table(['time', 'seq', 'event', 'what'], data.safety.map((e) => [esc(time(e.ts)), String(e.seq), esc(e.type), esc(e.summary)]), 'no safety events: no kill-switch transition, denial, limit breach or stall')}
<h2>Greeks through time</h2>
<div id="greeks" class="chart"></div>
${data.greeks.length === 0 ? '<p class="empty">no greeks journaled (journal.cycle summary.greeks)</p>' : ''}
<h2>Fills on derived quotes</h2>
${table(['time', 'order', 'instrument', 'side', 'qty', 'price'], data.derivedFills.map((f) => [esc(time(f.ts)), esc(f.clientOrderId ?? 'shadow'), esc(f.instrumentKey), esc(f.side), String(f.quantity), fixed(f.price)]), 'no fill priced off a derived quote')}
<h2>Definitions</h2>
<ul>${Object.entries(data.definitions).map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`).join('')}</ul>
<script>${uplotJs}</script>
<script type="application/json" id="series">${payload}</script>
<script>
(function () {
  var s = JSON.parse(document.getElementById('series').textContent);
  var width = Math.min(1150, window.innerWidth - 60);
  function chart(id, title, data, names, colors) {
    if (data[0].length < 2) return;
    new uPlot({ title: title, width: width, height: 240, series: [{}].concat(names.map(function (n, i) { return { label: n, stroke: colors[i], width: 1.5 }; })) }, data, document.getElementById(id));
  }
  chart('equity', 'Equity, net (₹)', s.equity, ['equity'], ['#1f6feb']);
  chart('drawdown', 'Drawdown (₹)', s.drawdown, ['drawdown'], ['#b42318']);
  chart('greeks', 'Greeks (delta ₹/pt, vega ₹/vol pt, theta ₹/day, gamma)', s.greeks, ['delta', 'vega', 'theta', 'gamma'], ['#1f6feb', '#8250df', '#1a7f37', '#bf8700']);
})();
</script>
</body></html>
`;
}
