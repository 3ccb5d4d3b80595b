import { isRegionCode, partitionOf } from './regions.js';

export interface ArnParts {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

/** Splits an ARN into its fields; undefined when it does not have six of them. */
export function parseArn(arn: string): ArnParts | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', account = ''] = parts;
  // Resource names may contain ':' themselves (alarm names can).
  return { partition, service, region, account, resource: parts.slice(5).join(':') };
}

/** True for a 12-digit AWS account id (not a placeholder like `EXAMPLE`). */
export function isAccountId(value: unknown): value is string {
  return typeof value === 'string' && /^\d{12}$/.test(value);
}

/**
 * A CloudWatch alarm ARN whose region and account are real (placeholders
 * such as `arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE` are not).
 */
export function isUsableAlarmArn(arn: string): boolean {
  const parts = parseArn(arn);
  return (
    parts !== undefined &&
    parts.service === 'cloudwatch' &&
    parts.resource.startsWith('alarm:') &&
    isRegionCode(parts.region) &&
    isAccountId(parts.account)
  );
}

/** The ARN CloudWatch gives an alarm with this name, region and account. */
export function alarmArnOf(alarmName: string, region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:cloudwatch:${region}:${accountId}:alarm:${alarmName}`;
}
