// `node --import ./loaded-files.mjs …` records every module file the process
// loads (ESM resolve hook in the loader thread) and prints them on exit.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const loaded = new Set();
port1.on('message', (url) => loaded.add(url));
port1.unref();
register('./loaded-files-hook.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
process.on('exit', () => {
  process.stderr.write(`LOADED ${JSON.stringify([...loaded])}\n`);
});
