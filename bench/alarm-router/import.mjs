// Cold start probe: `node import.mjs <bundle>` imports the bundle and exits;
// `node import.mjs` with no argument is the bare Node start it is compared to.
import { pathToFileURL } from 'node:url';

const bundle = process.argv[2];
if (bundle) await import(pathToFileURL(bundle).href);
