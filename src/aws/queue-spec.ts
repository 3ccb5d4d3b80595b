import { InputError } from '../errors.js';

/** How a queue was named on the command line or in the config. */
export type QueueSpec =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'url'; readonly url: string; readonly name: string }
  | { readonly kind: 'arn'; readonly arn: string; readonly name: string; readonly account: string; readonly region: string };

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;

/**
 * Reads a queue given by name, URL or ARN, without calling AWS.
 *
 * @example parseQueueSpec('arn:aws:sqs:eu-west-1:123456789012:web-dlq') // { kind: 'arn', name: 'web-dlq', ... }
 * @throws InputError when it is none of the three.
 */
export function parseQueueSpec(ref: string): QueueSpec {
  const text = ref.trim();
  if (text.startsWith('arn:')) {
    const parts = text.split(':');
    const [, , service, region, account, name] = parts;
    if (parts.length !== 6 || service !== 'sqs' || !region || !account || !name || !QUEUE_NAME.test(name)) {
      throw new InputError(`"${ref}" is not an SQS queue ARN; expected arn:aws:sqs:<region>:<account>:<queue name>`);
    }
    return { kind: 'arn', arn: text, name, account, region };
  }
  if (/^https?:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new InputError(`"${ref}" is not a valid queue URL; expected https://sqs.<region>.amazonaws.com/<account>/<queue name>`);
    }
    const name = url.pathname.split('/').filter((s) => s !== '').pop() ?? '';
    if (!QUEUE_NAME.test(name)) {
      throw new InputError(`"${ref}" is not a queue URL (no queue name at the end of its path); expected https://sqs.<region>.amazonaws.com/<account>/<queue name>`);
    }
    return { kind: 'url', url: text, name };
  }
  if (!QUEUE_NAME.test(text)) {
    throw new InputError(
      `"${ref}" is not a queue name, URL or ARN; queue names are 1–80 letters, digits, "-" or "_" (FIFO queues end in ".fifo")`,
    );
  }
  return { kind: 'name', name: text };
}

/** The queue name inside a name, URL or ARN (no AWS call); the ref itself when it is none of them. */
export function queueNameOf(ref: string): string {
  try {
    return parseQueueSpec(ref).name;
  } catch {
    return ref;
  }
}
