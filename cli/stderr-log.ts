import type { Log } from '../src/domain/log.js';

/** A Log for the CLI: one line per record on stderr, quiet below `warn` unless verbose. */
export function stderrLog(options: { verbose: boolean }): Log {
  const write =
    (level: string, enabled: boolean) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      if (!enabled) return;
      const extra = attributes && Object.keys(attributes).length > 0 ? ` ${JSON.stringify(attributes)}` : '';
      process.stderr.write(`${level} ${message}${extra}\n`);
    };
  return {
    debug: write('debug', options.verbose),
    info: write('info ', options.verbose),
    warn: write('warn ', true),
    error: write('error', true),
  };
}
