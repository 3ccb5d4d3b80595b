import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/sandbox/scenarios.js';
import { useSandboxDir } from '../support/sandbox-dir.js';

/**
 * One outage, one page, with the shipped config: web, ios and android share
 * one collector. When it receives nothing, its alarms (created once, with
 * web's) page through web's composite; no pipeline's freshness pages too.
 * (Its own file: it runs beside scenarios.test.ts, on the other core.)
 */
const work = useSandboxDir('tripline-sandbox-');

describe('sandbox scenario collector-outage', () => {
  it('pages once for the collector the three pipelines share, not once per pipeline, and resolves it', async () => {
    const result = await runScenario('collector-outage', { workDir: path.join(work.dir(), 'collector') });

    expect(result.expectations.filter((e) => !e.ok)).toEqual([]);
    expect(result.realMs).toBeLessThan(60_000);
    const pages = result.timeline.filter((e) => e.type === 'pagerduty');
    expect(pages.map((e) => [e['action'], e['dedupKey']])).toEqual([
      ['trigger', 'tripline/123456789012/us-east-1/tripline-web-pipeline'],
      ['resolve', 'tripline/123456789012/us-east-1/tripline-web-pipeline'],
    ]);
    const fired = result.timeline.filter((e) => e.type === 'alarm' && e['to'] === 'ALARM').map((e) => String(e['alarm']));
    expect(fired).toContain('tripline-web-collector-traffic-drop');
    // Forty minutes without events: no pipeline's freshness pages on top of the collector's outage.
    expect(fired.filter((a) => a.endsWith('-quality-freshness') || a === 'tripline-ios-pipeline' || a === 'tripline-android-pipeline')).toEqual([]);
    expect(result.accounting?.unaccounted).toBe(0);
  }, 90_000);
});
