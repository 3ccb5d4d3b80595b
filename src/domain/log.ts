/**
 * The logging surface src/ code writes to. The Lambda passes Powertools'
 * Logger (same method shapes); the CLI passes a stderr logger; tests pass a
 * recorder. Never put a secret in a message or an attribute.
 */
export interface Log {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export const silentLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes?: Record<string, unknown>;
}

/** A Log that keeps what it is given, for tests and `--json` reports. */
export function recordingLog(): Log & { readonly records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord['level']) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      records.push(attributes === undefined ? { level, message } : { level, message, attributes });
    };
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
