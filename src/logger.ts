/**
 * The shop's structured logger: pino underneath, one JSON object per line,
 * behind a small interface of its own so callers never depend on pino.
 *
 * Secrets never reach a line. Three pino hooks see to it:
 *  - `logMethod` masks fields whose name looks secret (whole value) and turns
 *    errors anywhere in the fields into plain objects with their stack and
 *    cause chain;
 *  - `formatters.bindings`, given to every child, does the same for a child
 *    logger's fields (pino applies a root's bindings formatter to it alone);
 *  - `streamWrite` masks every registered secret value wherever it appears in
 *    the finished line (messages, stacks, nested text).
 *
 * Lines written while a request or a Telegram update is being handled carry
 * its id: `withLogFields` binds fields to the async context, and every logger
 * adds them (pino `mixin`), so code deep in the services needs no logger
 * passed down to say which request it works for.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const SECRET_FIELD = /pass(word)?|secret|token|api[_-]?key|authorization|credential/i;
const MASK = '***';
/** Deep enough for any field we log; deeper structures are not worth a log line. */
const MAX_DEPTH = 6;
/** An error whose cause chain is longer than this is cut: a cycle would never end. */
const MAX_CAUSES = 5;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; tests capture them to prove secrets are absent. Default: stdout, warnings and errors on stderr. */
  write?: (line: string, level: LogLevel) => void;
  secrets?: SecretRegistry;
}

/** The set of secret values (API keys, tokens) to mask in any logged text. */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(value: string | undefined | null): void {
    // Very short values would mask ordinary words; real keys are long.
    if (!value || value.length < 6) return;
    this.values.add(value);
    // A line is JSON: a value with quotes or backslashes appears escaped in it.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.values.add(escaped);
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(MASK);
    return out;
  }
}

/**
 * A copy of `value` safe to log: secret-named fields masked whole, registered
 * secrets masked in text, errors as `{ type, message, stack, code?, cause? }`.
 */
export function redactValue(value: unknown, secrets?: SecretRegistry, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[deep]';
  if (typeof value === 'string') return secrets ? secrets.redact(value) : value;
  if (value instanceof Error) return serializeError(value, secrets, depth, 0);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_FIELD.test(key) ? MASK : redactValue(v, secrets, depth + 1);
    }
    return out;
  }
  return value;
}

/**
 * Only the standard parts of an error: its own other properties can hold what
 * it was working on (grammY's request parameters with a message text, an HTTP
 * client's URL with a key in it), which has no place in a log.
 */
function serializeError(error: Error, secrets: SecretRegistry | undefined, depth: number, causes: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name,
    message: redactValue(error.message, secrets, depth + 1),
  };
  if (error.stack) out.stack = redactValue(error.stack, secrets, depth + 1);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error instanceof AggregateError) out.errors = error.errors.slice(0, 5).map((e) => redactValue(e, secrets, depth + 1));
  if (error.cause !== undefined) {
    out.cause =
      causes >= MAX_CAUSES
        ? '[more causes]'
        : error.cause instanceof Error
          ? serializeError(error.cause, secrets, depth + 1, causes + 1)
          : redactValue(error.cause, secrets, depth + 1);
  }
  return out;
}

const logFields = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * Runs `work` with `fields` added to every line logged from it, by any
 * logger, including from promises it starts (a purchase saga started by an
 * update carries the update's id). Nested calls add to the outer fields.
 */
export function withLogFields<T>(fields: Record<string, unknown>, work: () => T): T {
  const outer = logFields.getStore();
  return logFields.run(outer ? { ...outer, ...fields } : fields, work);
}

/** The fields bound by `withLogFields` around the current code, if any. */
export function currentLogFields(): Readonly<Record<string, unknown>> | undefined {
  return logFields.getStore();
}

const LABEL_OF_LEVEL: Record<number, LogLevel> = { 20: 'debug', 30: 'info', 40: 'warn', 50: 'error' };

export function createLogger(options: LoggerOptions): Logger {
  const { secrets } = options;
  // pino writes synchronously inside the log call, so the level seen by `logMethod` is the line's.
  let levelOfLine: LogLevel = 'info';
  const destination = options.write
    ? { write: (line: string) => options.write!(line.endsWith('\n') ? line.slice(0, -1) : line, levelOfLine) }
    : pino.multistream(
        [
          { level: 'trace', stream: pino.destination({ fd: 1, sync: true }) },
          { level: 'warn', stream: pino.destination({ fd: 2, sync: true }) },
        ],
        // Each line goes only to the stream of the highest level it reaches: warnings and errors to stderr alone.
        { dedupe: true },
      );

  const base = pino(
    {
      level: options.level,
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
      },
      mixin: () => logFields.getStore() ?? {},
      hooks: {
        logMethod(args, method, level) {
          levelOfLine = LABEL_OF_LEVEL[level] ?? 'info';
          const [fields, ...rest] = args as unknown[];
          if (fields && typeof fields === 'object') {
            return method.apply(this, [redactValue(fields, secrets), ...rest] as Parameters<typeof method>);
          }
          return method.apply(this, args);
        },
        streamWrite: (line) => (secrets ? secrets.redact(line) : line),
      },
    },
    destination,
  );

  const childOptions: pino.ChildLoggerOptions = {
    formatters: { bindings: (bindings) => redactValue(bindings, secrets) as pino.Bindings },
  };
  return wrap(base, childOptions);
}

function wrap(log: pino.Logger, childOptions: pino.ChildLoggerOptions): Logger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
    child: (fields) => wrap(log.child(fields, childOptions), childOptions),
  };
}

/** A logger that drops everything; for tests that do not inspect logs. */
export const silentLogger: Logger = createLogger({ level: 'silent', write: () => undefined });
