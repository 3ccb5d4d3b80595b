import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll } from 'vitest';

/**
 * For a test file that runs sandboxes: no network but loopback (the SQS
 * emulator, the local inboxes), and a fresh directory for their work files,
 * removed afterwards. Call at the top level; `dir()` is valid inside tests.
 *
 * @example const work = useSandboxDir('tripline-sandbox-'); … runScenario('dlq-incident', { workDir: path.join(work.dir(), 'dlq') })
 */
export function useSandboxDir(prefix: string): { dir: () => string } {
  let dir = '';
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    dir = await mkdtemp(path.join(tmpdir(), prefix));
  });
  afterAll(async () => {
    nock.enableNetConnect();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  return { dir: () => dir };
}
