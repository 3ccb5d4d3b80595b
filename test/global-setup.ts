import { execFileSync } from 'node:child_process';

/**
 * Tests that invoke the built Lambda bundles or the CLI need dist/ fresh.
 * TRIPLINE_SKIP_BUILD=1 skips it for quick unit runs (bundle tests then fail loudly).
 */
export default function setup(): void {
  if (process.env['TRIPLINE_SKIP_BUILD'] === '1') return;
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { stdio: 'inherit' });
}
