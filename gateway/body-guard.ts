/**
 * @module Request bodies are checked once, before any route sees them: size (413), media type (415), JSON syntax
 * (400) and nesting depth (400). Routes' zod schemas then check shape and types (422).
 *
 * The parsed text stays in Hono's body cache, so the route validator reads it again without touching the socket.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './errors.ts';

/** Control bodies are flat objects; anything deeper is a mistake or an attempt to exhaust the parser. */
export const MAX_JSON_DEPTH = 8;

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/** Depth of a JSON value (scalars 0, `{}` 1); stops counting past `limit`. Iterative: a hostile depth can't overflow. */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth]);
  }
  return max;
}

export function bodyGuard(limitBytes: number): MiddlewareHandler[] {
  const limit = bodyLimit({
    maxSize: limitBytes,
    onError: () => {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `expected a body of at most ${limitBytes} bytes, was larger`);
    },
  });
  const parse: MiddlewareHandler = async (c, next) => {
    const text = await c.req.text();
    if (text.length === 0) {
      // `fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}})` sends no body: treat it as
      // `{}` so optional-body routes accept it and required fields fail validation with their names (422).
      (c.req.bodyCache as Record<string, unknown>)['text'] = Promise.resolve('{}');
    } else {
      const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
      if (!JSON_MEDIA.test(type)) {
        throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected Content-Type: application/json, was ${type === '' ? 'none' : JSON.stringify(type.slice(0, 80))}`);
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        // V8's message quotes a slice of the input, which may hold a secret: keep only the position.
        const at = /position (\d+)/.exec((err as Error).message)?.[1];
        throw new ApiError(400, 'MALFORMED_JSON', `expected a JSON body, was malformed${at === undefined ? '' : ` at position ${at}`}`);
      }
      const depth = jsonDepth(value, MAX_JSON_DEPTH);
      if (depth > MAX_JSON_DEPTH) {
        throw new ApiError(400, 'TOO_DEEP', `expected JSON nested at most ${MAX_JSON_DEPTH} levels, was deeper`);
      }
    }
    await next();
  };
  return [limit, parse];
}
