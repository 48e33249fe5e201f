/** FlashProxy's two envelopes, exactly as its docs show them. */
import type { SimResponse } from '../sim-server.js';

export function success(data: unknown, status = 200): SimResponse {
  return { status, body: { success: true, data } };
}

export function failure(status: number, code: string, message: string, extra: Record<string, unknown> = {}): SimResponse {
  return { status, body: { success: false, error: { code, message, ...extra } } };
}

export const validationError = (message: string, details?: Record<string, string[]>): SimResponse =>
  failure(400, 'VALIDATION_ERROR', message, details ? { details } : {});

export const planNotFound = (): SimResponse => failure(404, 'NOT_FOUND', 'Plan not found');
