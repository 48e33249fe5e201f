/**
 * Typed access to a method's parameters. JSON bodies carry real numbers and
 * objects, while form and multipart bodies carry strings (with nested objects
 * JSON-encoded, as grammY and Telegram do), so every getter accepts both.
 */
import { badRequest } from './errors.js';
import type { UploadedFile } from './multipart.js';

export type RawParams = Record<string, unknown>;

export class Params {
  constructor(readonly raw: RawParams) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  str(name: string): string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw badRequest(`field "${name}" must be of type String`);
  }

  int(name: string): number | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(number)) throw badRequest(`field "${name}" must be of type Integer`);
    return number;
  }

  bool(name: string): boolean | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === '1' || value === 1) return true;
    if (value === 'false' || value === '0' || value === 0) return false;
    throw badRequest(`field "${name}" must be of type Boolean`);
  }

  /** A nested object or array; form bodies send it as a JSON string. */
  json<T>(name: string, what = `${name} JSON object`): T | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') return value as T;
    try {
      return JSON.parse(value) as T;
    } catch {
      throw badRequest(`can't parse ${what}`);
    }
  }

  /** An uploaded file, or the string form (file_id, URL or `attach://name`, already resolved). */
  file(name: string): UploadedFile | string | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    if (isUploadedFile(value)) return value;
    throw badRequest(`wrong type of the ${name} parameter`);
  }
}

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).content);
}
