// Runs a built Lambda bundle the way the Lambda runtime does: import the
// module once, then call `handler(event, context)` for each event in turn
// (one warm container). Reads {bundle, events} as JSON on stdin, writes one
// JSON array of outcomes on stdout.
import { pathToFileURL } from 'node:url';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { bundle, events, functionArn, timeoutMs } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const { handler } = await import(pathToFileURL(bundle).href);
const outcomes = [];
for (const event of events) {
  const deadline = Date.now() + (timeoutMs ?? 30_000);
  const context = {
    functionName: 'tripline-alarm-router',
    invokedFunctionArn: functionArn,
    awsRequestId: `req-${outcomes.length + 1}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    outcomes.push({ ok: true, result: (await handler(event, context)) ?? null });
  } catch (error) {
    outcomes.push({ ok: false, error: { name: error?.name, message: String(error?.message ?? error) } });
  }
}
process.stdout.write(JSON.stringify(outcomes));
