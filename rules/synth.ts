// `npm run synth [-- -c key=value …]`: prints the alarm-router stack's
// CloudFormation template to stdout, offline, leaving nothing in the repo.
// Context is cdk.json's, overridden by -c/--context arguments, as with `cdk synth`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, ToolkitError } from '../src/errors.js';
import { synthTemplate } from './build-app.js';

function cdkJsonContext(): Record<string, unknown> {
  const text = readFileSync(fileURLToPath(new URL('../cdk.json', import.meta.url)), 'utf8');
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('context' in parsed)) return {};
  const context: unknown = parsed.context;
  return typeof context === 'object' && context !== null ? { ...context } : {};
}

function argContext(args: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg !== '-c' && arg !== '--context') {
      throw new InputError(`unknown argument "${arg}": usage: npm run synth -- [-c key=value]…`);
    }
    const pair = args[++i] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InputError(`context "${pair}" is not key=value: e.g. -c topology=direct`);
    context[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return context;
}

try {
  const template = await synthTemplate({ context: { ...cdkJsonContext(), ...argContext(process.argv.slice(2)) } });
  process.stdout.write(`${JSON.stringify(template, null, 2)}\n`);
} catch (error) {
  if (!(error instanceof ToolkitError)) throw error;
  process.stderr.write(`tripline synth: ${error.message}\n`);
  process.exitCode = error.exitCode;
}
