/**
 * @module `volguard calendar [--date YYYY-MM-DD] [--json]`: a day's session (open/close, IST), expiries, lot and
 * freeze facts, each with its source and effective date (INTERFACE.md). Without `--date`, today in IST by the wall
 * clock. The facts are the shipped dated tables (actors/domain/data/); live, the broker's instrument master may
 * override lot and freeze limits (the running system reports those).
 */
import { parseArgs } from 'node:util';
import { argsError, EXIT, type CliIo } from './io.ts';
import { dayNumber, istDate } from '../../actors/domain/calendar.ts';
import { dayFacts, type DayFacts } from '../../actors/domain/day-facts.ts';

const USAGE = 'usage: volguard calendar [--date YYYY-MM-DD] [--json]';

function text(f: DayFacts): string {
  const out: string[] = [];
  out.push(`${f.date} (${f.weekday}): ${f.tradingDay ? 'trading day' : f.holiday ? `holiday — ${f.holiday}` : 'no session (weekend)'}; next trading day ${f.nextTradingDay}`);
  out.push(`  holidays   ${f.holidays.coverage}${f.holidays.source ? ` — ${f.holidays.source}` : ' — no list held for this year: every weekday counts as a trading day'}`);
  out.push(`  session    pre-open ${f.session.preOpen}, open ${f.session.open}, close ${f.session.close} IST  (from ${f.session.effectiveFrom}; ${f.session.source})`);
  out.push(f.expiryRule
    ? `  expiries   ${f.expiryRule.weekday}: weekly ${f.expiryRule.weekly.join(', ') || '—'}, monthly ${f.expiryRule.monthly.join(', ')}  (from ${f.expiryRule.effectiveFrom}; ${f.expiryRule.source})`
    : '  expiries   no expiry rule held for this date');
  for (const e of f.expiries) {
    const lot = e.lotSize ? `lot ${e.lotSize.value} (from ${e.lotSize.effectiveFrom}; ${e.lotSize.source})` : 'lot unknown';
    const freeze = e.freezeQty ? `freeze ${e.freezeQty.value} (from ${e.freezeQty.effectiveFrom}; ${e.freezeQty.source})` : 'freeze unknown';
    const maxLots = e.maxLotsPerOrder !== null ? `, ≤ ${e.maxLotsPerOrder} lots/order` : '';
    out.push(`  ${e.underlying.padEnd(9)} ${e.expiry} ${e.kind.padEnd(7)} expires ${e.expiresAt}${e.today ? ' TODAY' : ''}: ${lot}; ${freeze}${maxLots}`);
  }
  return `${out.join('\n')}\n`;
}

export async function run(argv: readonly string[], io: CliIo, now: () => number = Date.now): Promise<number> {
  let values: { date?: string | undefined; json?: boolean | undefined };
  try {
    values = parseArgs({ args: [...argv], options: { date: { type: 'string' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const why = argsError(err);
    if (why === null) throw err;
    io.stderr.write(`calendar: ${why}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const day = values.date ?? istDate(now());
  try {
    dayNumber(day);
  } catch (err) {
    io.stderr.write(`calendar: ${(err as Error).message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const facts = dayFacts(day);
  io.stdout.write(values.json ? `${JSON.stringify(facts)}\n` : text(facts));
  return EXIT.ok;
}
