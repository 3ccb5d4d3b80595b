/**
 * Region codes and the display names CloudWatch writes into SNS alarm
 * notifications (`"Region": "US East (N. Virginia)"`).
 */

/**
 * Display names as the AWS SDK's partition data gives them (aws, aws-cn and
 * aws-us-gov partitions). CloudWatch has used other spellings over the years;
 * those are in LEGACY_DISPLAY_NAMES and the `EU (…)` rule in regionFromDisplayName.
 */
export const REGION_DISPLAY_NAMES: Readonly<Record<string, string>> = {
  'af-south-1': 'Africa (Cape Town)',
  'ap-east-1': 'Asia Pacific (Hong Kong)',
  'ap-east-2': 'Asia Pacific (Taipei)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-northeast-3': 'Asia Pacific (Osaka)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-south-2': 'Asia Pacific (Hyderabad)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-southeast-3': 'Asia Pacific (Jakarta)',
  'ap-southeast-4': 'Asia Pacific (Melbourne)',
  'ap-southeast-5': 'Asia Pacific (Malaysia)',
  'ap-southeast-6': 'Asia Pacific (New Zealand)',
  'ap-southeast-7': 'Asia Pacific (Thailand)',
  'ca-central-1': 'Canada (Central)',
  'ca-west-1': 'Canada West (Calgary)',
  'eu-central-1': 'Europe (Frankfurt)',
  'eu-central-2': 'Europe (Zurich)',
  'eu-north-1': 'Europe (Stockholm)',
  'eu-south-1': 'Europe (Milan)',
  'eu-south-2': 'Europe (Spain)',
  'eu-west-1': 'Europe (Ireland)',
  'eu-west-2': 'Europe (London)',
  'eu-west-3': 'Europe (Paris)',
  'il-central-1': 'Israel (Tel Aviv)',
  'me-central-1': 'Middle East (UAE)',
  'me-south-1': 'Middle East (Bahrain)',
  'me-west-1': 'Middle East (Saudi Arabia)',
  'mx-central-1': 'Mexico (Central)',
  'sa-east-1': 'South America (Sao Paulo)',
  'sa-west-1': 'South America (Chile)',
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'cn-north-1': 'China (Beijing)',
  'cn-northwest-1': 'China (Ningxia)',
  'us-gov-east-1': 'AWS GovCloud (US-East)',
  'us-gov-west-1': 'AWS GovCloud (US-West)',
};

/**
 * Spellings seen in real notifications that the table above does not cover:
 * before about 2017 CloudWatch wrote `US - N. Virginia` and `EU - Ireland`.
 */
const LEGACY_DISPLAY_NAMES: Readonly<Record<string, string>> = {
  'US - N. Virginia': 'us-east-1',
  'EU - Ireland': 'eu-west-1',
  'South America (São Paulo)': 'sa-east-1',
};

const REGION_CODE = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** True for strings shaped like a region code (`eu-west-1`, `us-gov-west-1`). */
export function isRegionCode(value: unknown): value is string {
  return typeof value === 'string' && REGION_CODE.test(value);
}

const byKey = new Map<string, string>();
for (const [code, name] of Object.entries(REGION_DISPLAY_NAMES)) {
  byKey.set(keyOf(name), code);
  // CloudWatch still writes the older "EU (London)" form next to "Europe (London)".
  if (name.startsWith('Europe (')) byKey.set(keyOf(`EU ${name.slice('Europe '.length)}`), code);
}
for (const [name, code] of Object.entries(LEGACY_DISPLAY_NAMES)) byKey.set(keyOf(name), code);

function keyOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * The region code for a display name, or undefined when it is not one we know.
 * A string that already is a region code is returned as is.
 *
 * @example regionFromDisplayName('EU (London)') // 'eu-west-2'
 */
export function regionFromDisplayName(name: string): string | undefined {
  if (isRegionCode(name)) return name;
  return byKey.get(keyOf(name));
}

/** The ARN partition a region belongs to. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
