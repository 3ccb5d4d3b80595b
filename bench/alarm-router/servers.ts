// Loopback PagerDuty, Slack and CloudWatch stand-ins in their own process,
// so the driver's CPU figure is the router's alone. Prints one JSON line
// with the endpoints, then serves until stdin closes.
import { startCloudWatchServer } from '../../test/support/cloudwatch-server.js';
import { startPagerDutyServer } from '../../test/support/pagerduty-server.js';
import { startSlackServer } from '../../test/support/slack-server.js';

const alarmCount = Number(process.argv[2] ?? 50);
const cw = await startCloudWatchServer(
  Array.from({ length: alarmCount }, (_, i) => ({
    name: `bench-alarm-${i}`,
    kind: 'metric' as const,
    state: 'OK' as const,
    reason: 'bench',
    changedAt: Date.parse('2026-11-22T00:00:00.000Z'),
  })),
);
const pd = await startPagerDutyServer();
const slack = await startSlackServer({ token: 'xoxb-bench-token', channels: ['#bench'] });
process.stdout.write(`${JSON.stringify({ pagerduty: pd.url, slack: slack.url, cloudwatch: cw.endpoint })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all([cw.close(), pd.close(), slack.close()]).then(() => process.exit(0));
});
