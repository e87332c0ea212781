/**
 * @module Static files of the dashboard (gateway/dashboard/), the uPlot and Preact builds and Swagger UI (for /docs) from
 * node_modules, read once and kept in memory. One place resolves asset paths, so a bundled binary can swap this file for embedded assets.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export interface Asset {
  readonly body: string;
  readonly type: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const dashboardDir = path.resolve(here, '../dashboard');
const uplotDir = path.dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
/** Preact, which the page renders with (an ES module: the page's script is a module too). */
const preactDir = path.dirname(createRequire(import.meta.url).resolve('preact'));
/** Swagger UI for /docs, from the installed package: the docs work offline (no CDN). */
const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/swagger-ui-bundle.js'));

/** URL path → file. Nothing outside this table is served (no path joins from request input). */
const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: path.join(dashboardDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: path.join(dashboardDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: path.join(dashboardDir, 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uplot.js': { file: path.join(uplotDir, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uplot.css': { file: path.join(uplotDir, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  '/vendor/preact.mjs': { file: path.join(preactDir, 'preact.mjs'), type: 'text/javascript; charset=utf-8' },
  '/vendor/swagger-ui-dist/swagger-ui-bundle.js': { file: path.join(swaggerDir, 'swagger-ui-bundle.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/swagger-ui-dist/swagger-ui.css': { file: path.join(swaggerDir, 'swagger-ui.css'), type: 'text/css; charset=utf-8' },
};

const cache = new Map<string, Asset>();

export const ASSET_PATHS: readonly string[] = Object.keys(FILES);

export function asset(urlPath: string): Asset | undefined {
  const hit = cache.get(urlPath);
  if (hit !== undefined) return hit;
  const f = FILES[urlPath];
  if (f === undefined) return undefined;
  const a = { body: readFileSync(f.file, 'utf8'), type: f.type };
  cache.set(urlPath, a);
  return a;
}
