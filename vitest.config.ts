import { defineConfig } from 'vitest/config';

/**
 * Terminal tests (a real `tripline tui` / `tripline sandbox` driven through
 * tmux, with 15-second budgets a person would notice) run after everything
 * else, one file at a time: on two cores, the suite's own CLI processes would
 * otherwise starve them and turn a 1-second start into a timeout.
 */
const TERMINAL = ['test/**/tmux.e2e.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // @pagerduty/pdjs sends through our transport in tests exactly as in the bundles.
    setupFiles: ['test/setup/pdjs-transport.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The AWS SDK's "node >= 22 from 2027" notice, once per test process, would bury a failure in the
    // CI log (the CLI turns it off the same way, cli/main.ts).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // The JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'dist/test-report.json' }]],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
          exclude: TERMINAL,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'terminal',
          include: TERMINAL,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
