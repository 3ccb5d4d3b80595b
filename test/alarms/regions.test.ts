import { describe, expect, it } from 'vitest';
import { normalize, REGION_DISPLAY_NAMES, regionFromDisplayName } from '../../src/alarms/index.js';
import { REMOVE, patched, snsMessageOf, wrapInSns } from '../support/fixtures.js';

describe('regionFromDisplayName', () => {
  it.each(Object.entries(REGION_DISPLAY_NAMES))('%s ← %s', (code, name) => {
    expect(regionFromDisplayName(name)).toBe(code);
  });

  it.each([
    ['EU (London)', 'eu-west-2'],
    ['EU (Frankfurt)', 'eu-central-1'],
    ['EU (Ireland)', 'eu-west-1'],
    ['EU - Ireland', 'eu-west-1'],
    ['US - N. Virginia', 'us-east-1'],
    ['South America (São Paulo)', 'sa-east-1'],
    ['us east (n. virginia)', 'us-east-1'],
    ['ap-southeast-2', 'ap-southeast-2'],
  ])('maps the spelling %s to %s', (name, code) => {
    expect(regionFromDisplayName(name)).toBe(code);
  });

  it.each(['EXAMPLE', '', 'Atlantis (Central)', 'REGION'])('knows no region called %j', (name) => {
    expect(regionFromDisplayName(name)).toBeUndefined();
  });
});

describe('an SNS alarm notification without AlarmArn', () => {
  // The real OK notification from eu-west-2, sent through a topic ARN that gives no region away.
  const withoutArn = (region: string): unknown =>
    wrapInSns(patched(snsMessageOf('sns/single-metric-ok-eu-london.json'), ['Region'], region), {
      topicArn: 'arn:aws:sns:EXAMPLE',
    });

  it.each([
    ['US East (N. Virginia)', 'us-east-1'],
    ['Asia Pacific (Tokyo)', 'ap-northeast-1'],
    ['Europe (Stockholm)', 'eu-north-1'],
    ['EU (London)', 'eu-west-2'],
    ['AWS GovCloud (US-West)', 'us-gov-west-1'],
    ['China (Ningxia)', 'cn-northwest-1'],
  ])('takes the region code from the display name %s', (display, code) => {
    const [t] = normalize(withoutArn(display)).transitions;

    expect(t?.region).toBe(code);
    expect(t?.alarmArn.split(':').slice(0, 4).join(':')).toBe(
      `arn:${code.startsWith('cn-') ? 'aws-cn' : code.startsWith('us-gov-') ? 'aws-us-gov' : 'aws'}:cloudwatch:${code}`,
    );
  });

  it('prefers the region in AlarmArn over the display name', () => {
    const message = patched(
      snsMessageOf('sns/single-metric-ok-eu-london.json'),
      ['AlarmArn'],
      'arn:aws:cloudwatch:eu-west-3:735598076380:alarm:DBMigrationRequired',
    );

    const [t] = normalize(wrapInSns(message)).transitions;

    expect(t?.region).toBe('eu-west-3');
    expect(t?.alarmArn).toBe('arn:aws:cloudwatch:eu-west-3:735598076380:alarm:DBMigrationRequired');
  });

  it('rejects an unknown display name with no other clue, quoting it', () => {
    const message = patched(snsMessageOf('sns/single-metric-ok-eu-london.json'), ['Region'], 'Atlantis (Central)');

    const result = normalize(wrapInSns(patched(message, ['AlarmArn'], REMOVE), { messageId: 'm-1', topicArn: 'arn:aws:sns:EXAMPLE' }));

    expect(result.rejected).toStrictEqual([
      {
        id: 'm-1',
        reason:
          'SNS message m-1: CloudWatch alarm notification: cannot tell the alarm\'s region (Region "Atlantis (Central)"); pass fallbackRegion (the Lambda\'s AWS_REGION)',
      },
    ]);
  });
});
