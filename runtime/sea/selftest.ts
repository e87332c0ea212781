/**
 * @module `volguard sea-selftest` (binary only, hidden): proves the parts a single binary can get wrong, in a temp
 * directory, and prints one JSON line `{ok, checks:{…}}` (exit 0 only if every check passed):
 * - `echo`: the fixture actor runs from its extracted bundle under a supervisor (worker resolver);
 * - `journal`: the journal actor opens LMDB inside a worker (native addon from the private dir), appends;
 * - `verify`: `verifyJournal` opens the same env in the main thread (addon loaded in main);
 * - `piscina`: a calibrator fit task runs on a piscina thread (patched worker path, extracted task file);
 * - `assets`: the dashboard page and uPlot are served from embedded assets.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { CliIo } from '../cli/io.ts';
import { parseConfig } from '../main/config.ts';
import { realClock } from '../clock.ts';
import { ActorSystem } from '../system.ts';
import { journalActorSpec } from '../../actors/journal/index.ts';
import { verifyJournal } from '../../actors/journal/verify.ts';
import { DEFAULT_CALIBRATOR_SETTINGS } from '../../actors/calibrator/config.ts';
import type { FitTask } from '../../actors/calibrator/fit-task.ts';
import { asset } from '../../gateway/routes/assets.ts';
import { FILES } from './manifest.ts';

type Check = { ok: true; detail?: unknown } | { ok: false; error: string };

async function check(fn: () => Promise<unknown>): Promise<Check> {
  try {
    const detail = await fn();
    return { ok: true, detail };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

export async function run(_argv: readonly string[], io: CliIo): Promise<number> {
  const ensure = (globalThis as { __VOLGUARD_SEA_ENSURE__?: () => string }).__VOLGUARD_SEA_ENSURE__;
  if (!ensure) {
    io.stderr.write('volguard sea-selftest: only meaningful inside the binary\n');
    return 2;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'volguard-selftest-'));
  const checks: Record<string, Check> = {};
  try {
    const dir = ensure();
    const cfg = parseConfig({ DATA_DIR: tmp, LOG_DIR: tmp });
    const system = new ActorSystem(
      {
        kind: 'supervisor',
        name: 'root',
        strategy: 'one_for_one',
        intensity: 3,
        periodMs: 10_000,
        children: [journalActorSpec(cfg), { name: 'echo', entry: 'test/fixtures/actors/echo.ts', shutdownMs: 2000 }],
      },
      { clock: realClock, clockSpec: { kind: 'real' }, heartbeatMs: 500, logLevel: 'silent' },
    );
    const started = await check(() => system.start());
    if (!started.ok) checks['start'] = started;
    else {
      checks['echo'] = await check(async () => {
        const r = await system.request<{ echo: unknown }>('echo', 'echo', { hello: 'binary' }, 5000);
        if ((r.echo as { hello?: string }).hello !== 'binary') throw new Error(`unexpected reply ${JSON.stringify(r)}`);
        return r;
      });
      checks['journal'] = await check(() => system.request('journal', 'journal.append', { actor: 'selftest', type: 'selftest.ping', body: { at: 1 } }, 5000));
      await system.stop();
    }
    checks['verify'] = await check(async () => {
      const rep = await verifyJournal(path.join(tmp, 'journal'));
      if (!rep.ok || rep.entries < 1) throw new Error(`verify: ${JSON.stringify(rep)}`);
      return { entries: rep.entries };
    });
    checks['piscina'] = await check(async () => {
      const pool = new Piscina({ filename: pathToFileURL(path.join(dir, FILES.fitTask)).href, minThreads: 1, maxThreads: 1 });
      try {
        const task = {
          input: {
            underlying: 'NIFTY', expiry: '2030-01-31', expiryTs: 1_896_000_000_000, t: 0.05, forward: Number.NaN, forwardSource: 'none',
            strikes: new Float64Array(0), marketIv: new Float64Array(0), dropped: {},
          },
          settings: DEFAULT_CALIBRATOR_SETTINGS,
        } as unknown as FitTask;
        const r = (await pool.run(task)) as Record<string, unknown>;
        return { keys: Object.keys(r).slice(0, 4) };
      } finally {
        await pool.destroy();
      }
    });
    checks['assets'] = await check(async () => {
      const page = asset('/');
      const uplot = asset('/vendor/uplot.js');
      if (!page?.body.includes('<') || !uplot || uplot.body.length < 1000) throw new Error('dashboard assets missing');
      return { page: page.body.length, uplot: uplot.body.length };
    });
    const ok = Object.values(checks).every((c) => c.ok);
    io.stdout.write(`${JSON.stringify({ ok, dir, checks })}\n`);
    return ok ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
