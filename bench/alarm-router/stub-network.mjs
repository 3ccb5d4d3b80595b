// Stubs the network in-process with nock (no sockets at all): PagerDuty's
// Events API answers 202, Slack's chat.postMessage answers ok, CloudWatch's
// DescribeAlarms answers each asked-for alarm as OK since long ago. Used by
// cpu-driver.mjs when BENCH_STUB_NETWORK=1; nock's own interception cost
// counts against the code measured, for ours and the reference alike.
import nock from 'nock';

nock.disableNetConnect();
nock('https://events.pagerduty.com')
  .persist()
  .post('/v2/enqueue')
  .reply(202, (_uri, body) => ({ status: 'success', message: 'Event processed', dedup_key: body?.dedup_key }));
nock('https://slack.com')
  .persist()
  .post(/\/api\/chat\.(postMessage|update)/)
  .reply(200, { ok: true, channel: 'C0BENCH', ts: '1763769600.000100', message: { text: 'x' } });
nock('https://monitoring.us-east-1.amazonaws.com')
  .persist()
  .post('/')
  .reply(
    200,
    (_uri, body) => {
      const input = typeof body === 'string' ? JSON.parse(body) : body;
      const names = Array.isArray(input?.AlarmNames) ? input.AlarmNames : [];
      return {
        MetricAlarms: names.map((name) => ({
          AlarmName: name,
          AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
          StateValue: 'OK',
          StateReason: 'bench',
          StateUpdatedTimestamp: 1_700_000_000,
          StateTransitionedTimestamp: 1_700_000_000,
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [],
        })),
        CompositeAlarms: [],
      };
    },
    { 'content-type': 'application/x-amz-json-1.0' },
  );
