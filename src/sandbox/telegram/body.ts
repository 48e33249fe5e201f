/**
 * Reads a request's parameters the ways the Bot API accepts them: the query
 * string, a JSON body, a urlencoded form, or multipart/form-data with files.
 * In multipart bodies grammY uploads each file as its own part and names it
 * from the field as `attach://<part>`; those references are resolved here so
 * methods see the file itself.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from './errors.js';
import { boundaryOf, MultipartError, parseMultipart } from './multipart.js';
import type { RawParams } from './params.js';

/** Telegram's upload limit for bots. */
export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new ApiError(413, 'Request Entity Too Large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseParams(contentType: string | undefined, body: Buffer, query: URLSearchParams): RawParams {
  const params: RawParams = Object.fromEntries(query);
  if (body.length === 0) return params;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();

  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw badRequest("can't parse JSON body");
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('JSON body must be an object');
    return Object.assign(params, parsed);
  }
  if (type === 'application/x-www-form-urlencoded') {
    return Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
  }
  if (type === 'multipart/form-data') {
    const boundary = boundaryOf(contentType ?? '');
    if (!boundary) throw badRequest('multipart body without boundary');
    try {
      return Object.assign(params, multipartParams(body, boundary));
    } catch (error) {
      if (error instanceof MultipartError) throw badRequest(`can't parse multipart body: ${error.message}`);
      throw error;
    }
  }
  throw badRequest(`unsupported content type ${type || '(none)'}`);
}

function multipartParams(body: Buffer, boundary: string): RawParams {
  const params: RawParams = {};
  const files = new Map<string, NonNullable<ReturnType<typeof parseMultipart>[number]['file']>>();
  for (const part of parseMultipart(body, boundary)) {
    if (part.file) files.set(part.name, part.file);
    else params[part.name] = part.value;
  }
  const attached = new Set<string>();
  for (const [key, value] of Object.entries(params)) {
    const name = typeof value === 'string' ? /^attach:\/\/(.+)$/.exec(value)?.[1] : undefined;
    const file = name !== undefined ? files.get(name) : undefined;
    if (name !== undefined && file) {
      params[key] = file;
      attached.add(name);
    }
  }
  // A file sent directly under the parameter's own name is the classic upload form.
  for (const [name, file] of files) if (!attached.has(name)) params[name] = file;
  return params;
}
