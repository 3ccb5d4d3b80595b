// Invokes a handler module for each event of a JSON file, warm, and prints
// {cpuMicros, wallMs, transitions, failures} on stderr. `node cpu-driver.mjs <module> <events.json> <transitionsPerEvent> <warmup>`
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [modulePath, eventsPath, perEvent, warmupText] = process.argv.slice(2);
const events = JSON.parse(readFileSync(eventsPath, 'utf8'));
const warmup = Number(warmupText ?? 200);
const { handler } = await import(pathToFileURL(modulePath).href);
const context = {
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:tripline-alarm-router',
  getRemainingTimeInMillis: () => 30_000,
};
let failures = 0;
const run = async (list) => {
  for (const event of list) {
    try {
      await handler(event, context);
    } catch {
      failures++;
    }
  }
};
await run(events.slice(0, warmup));
const measured = events.slice(warmup);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(measured);
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
// stdout carries the handler's logs (as on Lambda); the figure goes to stderr.
process.stderr.write(JSON.stringify({ cpuMicros: cpu.user + cpu.system, wallMs, transitions: measured.length * Number(perEvent), failures }) + '\n');
