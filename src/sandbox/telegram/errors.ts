/**
 * Bot API failures as Telegram words them. Handlers throw `ApiError`; the
 * server turns it into `{ ok: false, error_code, description, parameters? }`
 * with the same HTTP status, which is what grammY turns into a GrammyError.
 */

export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

export class ApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
    this.name = 'ApiError';
  }

  toJSON(): { ok: false; error_code: number; description: string; parameters?: ResponseParameters } {
    return {
      ok: false,
      error_code: this.errorCode,
      description: this.description,
      ...(this.parameters ? { parameters: this.parameters } : {}),
    };
  }
}

export const badRequest = (detail: string) => new ApiError(400, `Bad Request: ${detail}`);
export const forbidden = (detail: string) => new ApiError(403, `Forbidden: ${detail}`);
export const conflict = (detail: string) => new ApiError(409, `Conflict: ${detail}`);
export const unauthorized = () => new ApiError(401, 'Unauthorized');
export const notFound = (detail?: string) => new ApiError(404, detail ? `Not Found: ${detail}` : 'Not Found');
export const tooManyRequests = (retryAfter: number) =>
  new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });

/** The answer Telegram gives for stale or unknown callback and pre-checkout query ids. */
export const QUERY_TOO_OLD = 'query is too old and response timeout expired or query ID is invalid';
