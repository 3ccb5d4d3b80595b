// The alarm-router handler with the network stubbed at its two seams: the
// notifiers' HTTP request function (PagerDuty and Slack) and the CloudWatch
// client's request handler. Everything else — normalization, convergence,
// routing, pdjs, @slack/web-api, the AWS SDK's serialization and signing,
// logging and EMF — runs as in the Lambda. Bundled by bench/alarm-router/run.ts.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { HttpAnswer, HttpRequestOptions } from '../../src/notify/http.js';
import { createHandler } from '../../lambdas/alarm-router/handler.js';

const slackAnswer = JSON.stringify({ ok: true, channel: 'C0BENCH', ts: '1763769600.000100', message: { text: 'x' } });

async function stubHttp(url: string, options: HttpRequestOptions): Promise<HttpAnswer> {
  if (url.includes('/v2/enqueue')) {
    const body = JSON.parse(options.body ?? '{}') as { dedup_key?: string };
    return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'success', message: 'Event processed', dedup_key: body.dedup_key }) };
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: slackAnswer };
}

const cloudWatch = new CloudWatchClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'bench-secret' },
  requestHandler: {
    async handle(request: { body?: unknown; headers: Record<string, string> }) {
      if (request.headers['x-amz-target']?.endsWith('.ListTagsForResource')) {
        const tags = Buffer.from(JSON.stringify({ Tags: [{ Key: 'pipeline', Value: 'web' }] }));
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: tags } };
      }
      const input = JSON.parse(String(request.body)) as { AlarmNames?: string[] };
      const alarms = (input.AlarmNames ?? []).map((name) => ({
        AlarmName: name,
        AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
        StateValue: 'OK',
        StateReason: 'bench',
        StateUpdatedTimestamp: 1_700_000_000,
        StateTransitionedTimestamp: 1_700_000_000,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [],
      }));
      const body = Buffer.from(JSON.stringify({ MetricAlarms: alarms, CompositeAlarms: [] }));
      return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body } };
    },
  },
});

export const handler = createHandler({ http: stubHttp, cloudWatch });
