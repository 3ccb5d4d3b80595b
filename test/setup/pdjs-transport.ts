import { createRequire } from 'node:module';
import * as transport from '../../src/notify/pagerduty/pdjs-fetch.js';

/**
 * The bundles alias `cross-fetch` to src/notify/pagerduty/pdjs-fetch.ts at
 * build time (scripts/build.mjs). Under vitest, @pagerduty/pdjs loads through
 * Node's own require, so the same substitution is made on the module that
 * require returns: pdjs reads `.default` and `.Headers` from it at call time.
 */
const require = createRequire(import.meta.url);
const crossFetch: unknown = require('cross-fetch');
if (typeof crossFetch === 'function' || (typeof crossFetch === 'object' && crossFetch !== null)) {
  Object.assign(crossFetch, {
    default: transport.fetch,
    fetch: transport.fetch,
    Headers: transport.Headers,
    Request: transport.Request,
    Response: transport.Response,
  });
}
