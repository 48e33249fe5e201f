/**
 * A small structured logger. Every line is one JSON object on stdout/stderr.
 * Secrets never reach it: values registered with `registerSecret` are masked
 * wherever they appear, and fields whose name looks secret are masked whole.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };
const SECRET_FIELD = /pass(word)?|secret|token|api[_-]?key|authorization|credential/i;
const MASK = '***';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; tests capture them to prove secrets are absent. */
  write?: (line: string, level: LogLevel) => void;
  secrets?: SecretRegistry;
}

/** The set of secret values (API keys, tokens) to mask in any logged text. */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(value: string | undefined | null): void {
    // Very short values would mask ordinary words; real keys are long.
    if (value && value.length >= 6) this.values.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const value of this.values) out = out.split(value).join(MASK);
    return out;
  }
}

export function redactValue(value: unknown, secrets?: SecretRegistry, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (typeof value === 'string') return secrets ? secrets.redact(value) : value;
  if (value instanceof Error) {
    return { name: value.name, message: redactValue(value.message, secrets, depth + 1) };
  }
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

export function createLogger(options: LoggerOptions, bound: Record<string, unknown> = {}): Logger {
  const threshold = LEVEL_RANK[options.level];
  const write =
    options.write ??
    ((line: string, level: LogLevel) => {
      (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
    });

  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVEL_RANK[level] < threshold) return;
    const entry = redactValue(
      { time: new Date().toISOString(), level, msg: message, ...bound, ...fields },
      options.secrets,
    );
    write(JSON.stringify(entry), level);
  };

  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything; for tests that do not inspect logs. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
