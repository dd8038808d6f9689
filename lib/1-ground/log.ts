/**
 * Structured JSON logs, one line each, carrying an operation id where there is one.
 * A level below the threshold costs one comparison and no formatting.
 */
import { redactCredentials } from './errors.js';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  base: Record<string, unknown> = {},
  opts: { level?: Level; write?: (line: string) => void } = {},
): Logger {
  const threshold = RANK[opts.level ?? ((process.env['LOG_LEVEL'] as Level | undefined) ?? 'info')] ?? RANK.info;
  const write = opts.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[level] < threshold) return;
    const err = fields?.['err'];
    const extra = err instanceof Error ? { err: { message: err.message, code: (err as { code?: unknown }).code } } : {};
    // Credentials in any URL a field or error carries never reach the log.
    write(redactCredentials(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields, ...extra })));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, opts),
  };
}

/** A logger that drops everything: the default inside the library, so tests stay quiet. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
