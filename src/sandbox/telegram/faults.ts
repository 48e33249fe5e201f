/**
 * Per-method failures for tests: the next N calls of a method answer an error
 * without doing anything, the way Telegram's flood control or a bad day at the
 * data centre would. The bot under test must cope (retry_after, retries, outbox).
 */
import { ApiError, tooManyRequests } from './errors.js';

export type MethodFault =
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503 | 504 }
  /** Any other Bot API error, e.g. `{ status: 400, description: 'Bad Request: chat not found' }`. */
  | { status: number; description: string };

const SERVER_ERRORS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

interface Planned {
  method: string;
  fault: MethodFault;
  remaining: number;
}

export class MethodFaults {
  private planned: Planned[] = [];

  /** The next `times` calls of `method` (case-insensitive, like Telegram) fail with `fault`. */
  inject(method: string, fault: MethodFault, times = 1): void {
    this.planned.push({ method: method.toLowerCase(), fault, remaining: times });
  }

  clear(): void {
    this.planned = [];
  }

  pending(): { method: string; fault: MethodFault; remaining: number }[] {
    return this.planned.map((p) => ({ ...p }));
  }

  /** Consumes the first planned fault for this method, if any. */
  take(method: string): ApiError | undefined {
    const entry = this.planned.find((p) => p.method === method.toLowerCase() && p.remaining > 0);
    if (!entry) return undefined;
    entry.remaining--;
    this.planned = this.planned.filter((p) => p.remaining > 0);
    return toError(entry.fault);
  }
}

function toError(fault: MethodFault): ApiError {
  if ('description' in fault) return new ApiError(fault.status, fault.description);
  if (fault.status === 429) return tooManyRequests(fault.retryAfter ?? 1);
  return new ApiError(fault.status, SERVER_ERRORS[fault.status] ?? 'Internal Server Error');
}
