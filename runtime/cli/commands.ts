/**
 * @module The CLI's command table: one line per subcommand, loaded lazily so `volguard quant` does not pay for LMDB.
 * Each module exports `run(argv, io): Promise<number>` (see io.ts).
 */
import type { CommandModule } from './io.ts';

export interface CommandEntry {
  readonly summary: string;
  readonly usage: string;
  readonly load: () => Promise<CommandModule>;
}

export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  run: {
    summary: 'run the whole system (supervisor tree, gateway, metrics)',
    usage: 'volguard run',
    load: () => import('./run.ts'),
  },
  validate: {
    summary: 'pre-flight checklist for a deployment phase; exit 0 only when all pass',
    usage: 'volguard validate --phase SHADOW|SEMI_AUTO|FULL_AUTO',
    load: () => import('./validate.ts'),
  },
  token: {
    summary: 'Upstox OAuth login and code exchange; stores the token with mode 0600',
    usage: 'volguard token [--code CODE]',
    load: () => import('../../actors/venues/upstox/token-cli.ts'),
  },
  journal: {
    summary: 'inspect and maintain the journal: dump, verify, stats, backup, restore',
    usage: 'volguard journal dump|verify|stats|backup|restore [options]',
    load: () => import('../../actors/journal/cli.ts'),
  },
  quant: {
    summary: 'JSON-lines pricing / implied vol / SABR calculator on stdin → stdout',
    usage: 'volguard quant < requests.jsonl',
    load: () => import('./quant.ts'),
  },
  report: {
    summary: 'a trading day\'s P&L (report day), or the HTML + JSON report of a SHADOW/paper/live session, from its journal (safe while running)',
    usage: 'volguard report day [--date YYYY-MM-DD] [--json] [--data-dir DIR] | report session [--json] [--out DIR] [--data-dir DIR] [--recording DIR] [--capital RUPEES]',
    load: () => import('../../actors/journal/report/cli.ts'),
  },
  import: {
    summary: 'public historical data (NSE bhavcopy, Upstox candles) into a replay recording; --fetch downloads it',
    usage: 'volguard import nse-bhavcopy|upstox-candles <files or dirs> [--out DIR] [--fetch --from D --to D] (see --help of the module)',
    load: () => import('../../actors/venues/replay/import/cli.ts'),
  },
  calendar: {
    summary: "a day's session (open/close, IST), expiries, lot and freeze facts, with each one's source and effective date",
    usage: 'volguard calendar [--date YYYY-MM-DD] [--json]',
    load: () => import('./calendar.ts'),
  },
  backtest: {
    summary: 'the production actors over a recording at full speed (paper); report.html + summary.json; resumable; sweeps',
    usage: 'volguard backtest --from YYYY-MM-DD --to YYYY-MM-DD [--data DIR] [--config FILE] [--sweep KEY=v1,v2,…] [--out DIR]',
    load: () => import('./backtest.ts'),
  },
  'fake-upstox': {
    summary: 'the offline Upstox fake (REST + market feed V3 + portfolio stream)',
    usage: 'volguard fake-upstox --port N [--token T]',
    load: () => import('../../actors/venues/upstox/fake/cli.ts'),
  },
};
