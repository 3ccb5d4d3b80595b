// Builds one ESM bundle per Lambda (dist/lambdas/<name>/index.mjs, exporting
// `handler`) and the CLI (dist/cli/main.js). Usage: node scripts/build.mjs [--quiet]
import { build } from 'esbuild';
import { chmod, cp, readdir, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

// CommonJS dependencies inside an ESM bundle still call require(); give them one.
const banner = {
  js: "import { createRequire as __triplineCreateRequire } from 'node:module'; const require = __triplineCreateRequire(import.meta.url);",
};

/**
 * @pagerduty/pdjs imports cross-fetch (node-fetch 2, ~300 KB) and can only reach
 * https://<server>/v2/enqueue; our transport stands in for it (see
 * src/notify/pagerduty/pdjs-fetch.ts). vitest.config.ts does the same for tests.
 */
const pdjsTransport = {
  name: 'pdjs-transport',
  setup(b) {
    b.onResolve({ filter: /^cross-fetch$/ }, () => ({ path: path.join(root, 'src/notify/pagerduty/pdjs-fetch.ts') }));
  },
};

/**
 * Ink imports React DevTools (not a dependency) only when DEV=true; in one
 * bundle that import would run at start-up and fail, so it resolves to a stub.
 */
const noDevtools = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: "export default { initialize() {}, connectToDevTools() { throw new Error('React DevTools is not bundled with tripline'); } };",
      loader: 'js',
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  // Error class names reach logs and Lambda's errorType; keep them readable.
  keepNames: true,
  banner,
  plugins: [pdjsTransport],
  logLevel: quiet ? 'error' : 'warning',
  absWorkingDir: root,
};

async function lambdaNames() {
  const dir = path.join(root, 'lambdas');
  const names = [];
  for (const name of await readdir(dir)) {
    if ((await stat(path.join(dir, name))).isDirectory()) names.push(name);
  }
  return names.sort();
}

const started = Date.now();
for (const name of await lambdaNames()) {
  await rm(path.join(root, 'dist/lambdas', name), { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: { index: `lambdas/${name}/handler.ts` },
    outdir: `dist/lambdas/${name}`,
    outExtension: { '.js': '.mjs' },
    // Code behind a dynamic import() (AWS clients, Slack, YAML) becomes a chunk
    // loaded on first use, so the cold import stays small.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    // The Lambda runtime ships the AWS SDK v3; bundling it would only add weight.
    external: ['@aws-sdk/*'],
  });
}
// The quality monitor loads the tracking plan from ./tracking-plan beside its bundle
// (TRIPLINE_TRACKING_PLAN overrides); TRIPLINE_TRACKING_PLAN_DIR names another plan to ship.
const planDir = path.resolve(root, process.env.TRIPLINE_TRACKING_PLAN_DIR || 'tracking-plan');
if ((await lambdaNames()).includes('quality-monitor')) {
  if (!(await stat(planDir).catch(() => undefined))?.isDirectory()) {
    throw new Error(`${planDir}: no tracking plan to ship with the quality monitor; set TRIPLINE_TRACKING_PLAN_DIR to its directory`);
  }
  await cp(planDir, path.join(root, 'dist/lambdas/quality-monitor/tracking-plan'), {
    recursive: true,
    filter: (source) => !path.basename(source).startsWith('.'),
  });
}
await build({
  ...common,
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/cli/main.js',
  banner: { js: `#!/usr/bin/env node\n${banner.js}` },
  minify: false,
  jsx: 'automatic',
  plugins: [pdjsTransport, noDevtools],
});
await chmod(path.join(root, 'dist/cli/main.js'), 0o755);
// Worker threads of `tripline dq check`: next to main.js, found by URL at run time.
await build({ ...common, entryPoints: ['src/quality/worker.ts'], outfile: 'dist/cli/dq-worker.js', minify: false });
if (!quiet) console.error(`built dist/ in ${Date.now() - started} ms`);
