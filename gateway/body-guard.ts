/**
 * @module Request bodies are checked once, before any route sees them: size (413), media type (415), JSON syntax
 * (400) and nesting depth (400). Routes' zod schemas then check shape and types (422).
 *
 * The body is read once, as bytes, and decoded strictly (UTF-8, as JSON requires; a `charset` other than UTF-8 is a
 * 415). The decoded text and the parsed value stay in Hono's body cache, so the route validator does not parse again.
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

/** `charset` of a Content-Type header, lower-cased and unquoted, or undefined when absent. */
export function charsetOf(contentType: string): string | undefined {
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0) continue;
    if (param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function bodyGuard(limitBytes: number): MiddlewareHandler[] {
  const limit = bodyLimit({
    maxSize: limitBytes,
    onError: () => {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `expected a body of at most ${limitBytes} bytes, was larger`);
    },
  });
  const parse: MiddlewareHandler = async (c, next) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const cache = c.req.bodyCache as Record<string, unknown>;
    if (bytes.byteLength === 0) {
      // `curl -X POST` and `fetch(url, {method: 'POST'})` send no body: treat it as `{}` so optional-body routes (the
      // emergency stop among them) accept it and required fields fail validation with their names (422). An empty
      // body has no media type to get wrong, so a label on it is dropped rather than refused (415).
      cache['text'] = Promise.resolve('{}');
      cache['json'] = Promise.resolve({});
      if (c.req.header('content-type') !== undefined && !JSON_MEDIA.test(mediaTypeOf(c.req.header('content-type') ?? ''))) {
        try {
          c.req.raw.headers.delete('content-type');
        } catch {
          // Immutable headers: the route's media-type gate answers 415 as before.
        }
      }
    } else {
      const header = c.req.header('content-type') ?? '';
      const type = mediaTypeOf(header);
      if (!JSON_MEDIA.test(type)) {
        throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected Content-Type: application/json, was ${type === '' ? 'none' : JSON.stringify(type.slice(0, 80))}`);
      }
      const charset = charsetOf(header);
      // JSON is UTF-8 (RFC 8259 §8.1); a body labelled otherwise would be misread, so it is refused, not guessed at.
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        throw new ApiError(415, 'UNSUPPORTED_CHARSET', `expected charset=utf-8, was ${JSON.stringify(charset.slice(0, 40))}`);
      }
      let text: string;
      try {
        text = UTF8.decode(bytes);
      } catch {
        throw new ApiError(400, 'MALFORMED_UTF8', 'expected a UTF-8 body, was not valid UTF-8');
      }
      cache['text'] = Promise.resolve(text);
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
      cache['json'] = Promise.resolve(value);
    }
    await next();
  };
  return [limit, parse];
}

function mediaTypeOf(contentType: string): string {
  return contentType.split(';')[0]!.trim();
}
