import { explainAwsError } from '../../src/aws/errors.js';
import { ToolkitError } from '../../src/errors.js';

/** One status-line sentence for any failure: never a stack trace. */
export function describeError(error: unknown, action = 'the call'): string {
  if (error instanceof ToolkitError) return error.message.split('\n')[0] ?? error.message;
  return explainAwsError(error, action);
}
