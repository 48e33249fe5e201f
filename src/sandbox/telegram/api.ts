/**
 * The Bot API front desk: finds the method (names are case-insensitive, as on
 * Telegram), logs the call, applies an injected fault, checks required
 * parameters against the published spec, then runs the handler.
 */
import { ApiError, badRequest, notFound } from './errors.js';
import type { MethodFaults } from './faults.js';
import { METHODS } from './methods/index.js';
import { Params, type RawParams } from './params.js';
import { REQUIRED_PARAMS, SPEC_METHODS } from './spec.js';
import type { EmulatorState } from './state.js';
import type { UpdateQueue } from './updates.js';

export interface MethodCall {
  method: string;
  params: RawParams;
  /** Milliseconds on the emulator clock when the call arrived. */
  at: number;
  /** 'webhook-reply' when the call came back in the body of a webhook response. */
  via: 'http' | 'webhook-reply';
  /** Filled in when the call has been answered. */
  outcome?: { ok: true } | { ok: false; errorCode: number; description: string };
}

/** The call log is for tests and the sandbox; cap it so a long sandbox session stays small. */
const MAX_LOGGED_CALLS = 10_000;

const BY_LOWER_NAME = new Map(Object.keys(METHODS).map((name) => [name.toLowerCase(), name]));
const SPEC_BY_LOWER_NAME = new Map([...SPEC_METHODS].map((name) => [name.toLowerCase(), name]));

export class BotApi {
  readonly calls: MethodCall[] = [];

  constructor(
    private readonly state: EmulatorState,
    private readonly updates: UpdateQueue,
    private readonly faults: MethodFaults,
  ) {}

  /** Runs one method; failures are thrown as ApiError with Telegram's wording. */
  async call(requested: string, raw: RawParams, signal: AbortSignal, via: MethodCall['via'] = 'http'): Promise<unknown> {
    const method = BY_LOWER_NAME.get(requested.toLowerCase());
    if (!method) {
      const known = SPEC_BY_LOWER_NAME.get(requested.toLowerCase());
      throw notFound(known ? `method ${known} is not implemented by the emulator` : undefined);
    }
    const entry: MethodCall = { method, params: raw, at: this.state.nowMs(), via };
    this.calls.push(entry);
    if (this.calls.length > MAX_LOGGED_CALLS) this.calls.splice(0, this.calls.length - MAX_LOGGED_CALLS);
    try {
      const fault = this.faults.take(method);
      if (fault) throw fault;
      for (const name of REQUIRED_PARAMS[method] ?? []) {
        if (raw[name] === undefined || raw[name] === null) throw badRequest(`${name} is required`);
      }
      const result = await METHODS[method]!({ state: this.state, updates: this.updates, params: new Params(raw), signal });
      entry.outcome = { ok: true };
      return result;
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, `Internal Server Error: ${(error as Error).message}`);
      entry.outcome = { ok: false, errorCode: apiError.errorCode, description: apiError.description };
      throw apiError;
    }
  }
}
