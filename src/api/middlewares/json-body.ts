/**
 * Reads a JSON request body once, capped like every body, before the
 * route's validators run: the raw text stays available for request
 * signatures (which cover the bytes as sent), and Hono's own `c.req.json()`
 * then parses the same text instead of the consumed stream.
 */
import type { MiddlewareHandler } from 'hono';
import { requestHeader } from '../../lib/http-headers.js';
import { MAX_BODY_BYTES, readCapped } from './body.js';
import { ApiError } from './errors.js';

const rawBodies = new WeakMap<Request, string>();

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** The body text as received; '' when the route read none. */
export function rawBodyOf(request: Request): string {
  return rawBodies.get(request) ?? '';
}

export function bufferJsonBody(maxBytes = MAX_BODY_BYTES): MiddlewareHandler {
  return async (c, next) => {
    const mediaType = requestHeader(c, 'content-type')?.split(';')[0]?.trim() ?? '';
    // Anything else would reach the validators as an empty body and read as missing fields.
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ApiError('invalid_json', 'the request body must be JSON (send Content-Type: application/json)');
    }
    const text = await readCapped(c, maxBytes);
    try {
      JSON.parse(text);
    } catch {
      throw new ApiError('invalid_json', 'the request body is not valid JSON (send Content-Type: application/json)');
    }
    rawBodies.set(c.req.raw, text);
    // Hono keeps pending reads in this cache; its typing names the settled value.
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
    await next();
  };
}
