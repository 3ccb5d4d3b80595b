import { Command, CommanderError, Option } from 'commander';
import { ToolkitError } from '../src/errors.js';
import type { CommandResult } from './commands/result.js';

/**
 * The tripline command table. Each command's module is imported only when it
 * runs, so `tripline --help` stays instant. This is the one place that
 * catches errors and chooses the exit code:
 * 0 ok · 1 findings · 2 bad input or config · 3 AWS or notifier failure.
 */
// The SDK's nine-line notice that its 2027 releases need Node 22 would follow
// every --aws run; the README says it once.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const program = new Command('tripline')
  .description('Oncall toolkit for an event-tracking pipeline on AWS: alarm paging, data quality, pipeline health and DLQ recovery.')
  .version(process.env['npm_package_version'] ?? '0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

const alarm = program.command('alarm').description('Work with CloudWatch alarm payloads and the alarm router');

alarm
  .command('test')
  .description(
    'Run an alarm payload through the router offline: normalize it, route it, and print exactly what\n' +
      'would be sent to PagerDuty and Slack (secrets shown as references, never values).',
  )
  .argument('<event.json>', 'a Lambda event: EventBridge, SNS, SQS or alarm-action payload, or "-" for stdin')
  .option('-c, --config <file>', 'tripline config (default: ./tripline.config.yaml, TRIPLINE_CONFIG_FILE, TRIPLINE_CONFIG)')
  .option('--aws', 'converge to the current state with CloudWatch DescribeAlarms (uses your AWS credentials)', false)
  .option('--send', 'really send: PagerDuty (PAGERDUTY_EVENTS_URL) and Slack (SLACK_API_URL) with resolved secrets', false)
  .option('--json', 'print one JSON document on stdout', false)
  .addOption(new Option('--now <iso>', 'evaluate silences at this time instead of now'))
  .addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  tripline alarm test samples/dlq-alarm.eventbridge.json',
      '  tripline alarm test samples/dlq-alarm.eventbridge.json --config tripline.config.yaml --json',
      '  PAGERDUTY_ROUTING_KEY=... tripline alarm test event.json --send',
      '',
      'Exit codes: 0 ok, 2 the file is not an alarm payload or the config is invalid, 3 a notification failed.',
    ].join('\n'),
  )
  .action(async (file: string, options: Record<string, unknown>) => {
    const { runAlarmTest } = await import('./commands/alarm-test.js');
    finish(await runAlarmTest(file, options));
  });

const schema = program.command('schema').description('Work with the tracking plan (Avro schemas of event properties)');

schema
  .command('check')
  .description(
    'Check that every version of every event is backward and forward compatible with all its earlier\n' +
      'versions (FULL_ALL, as the Glue and Confluent schema registries define it).',
  )
  .argument('<dir>', "the tracking plan: <dir>/<eventName>/<version>.avsc, each an Avro record of the event's properties")
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  tripline schema check tracking-plan',
      '  tripline schema check tracking-plan --json',
      '',
      'Exit codes: 0 compatible, 1 an incompatibility was found, 2 the plan cannot be loaded.',
    ].join('\n'),
  )
  .action(async (dir: string, options: { json?: boolean }) => {
    const { runSchemaCheck } = await import('./commands/schema-check.js');
    finish(await runSchemaCheck(dir, options));
  });

const dq = program.command('dq').description('Data quality of tracked events: invalid, duplicate and late rates, freshness');

dq.command('check')
  .description(
    'Check tracked events against the tracking plan and report invalid, duplicate and late rates and\n' +
      'freshness, overall and per event and platform. Exit 1 when a threshold in the config is breached.',
  )
  .argument('<inputs...>', 'NDJSON files (.gz too), Parquet files, directories, globs, "-" for stdin, or s3://bucket/prefix')
  .option('--schemas <dir>', 'the tracking plan directory (default: quality.trackingPlan in the config, else ./tracking-plan)')
  .option('-c, --config <file>', 'tripline config (quality thresholds, dedup key, lateness, segments, publish)')
  .option('--now <iso>', 'measure freshness against this time instead of now')
  .option('--json', 'print one JSON document on stdout', false)
  .option('--publish', 'write the metrics to CloudWatch (PutMetricData; namespace and dimensions from the config)', false)
  .option('--workers <n>', 'worker threads classifying records (default: one per core; 0 = none)')
  .addHelpText(
    'after',
    [
      '',
      'Metrics (rates are 0–1 in --json, percents in the table):',
      '  invalid rate   = invalid records / all records (unparseable lines included)',
      '  duplicate rate = extra copies / valid events (same dedup key seen before in the input)',
      '  late rate      = valid events with receivedAt − timestamp > allowed lateness / valid events',
      '  freshness      = now − newest receivedAt, in seconds',
      '',
      'Examples:',
      '  tripline dq check events.ndjson.gz',
      '  tripline dq check data/2026/11/22/ --schemas tracking-plan --json',
      "  tripline dq check 's3://tracking-lake/events/platform=ios/dt=2026-11-22/' --publish",
      '  zcat events.gz | tripline dq check - --now 2026-11-22T03:00:00Z',
      '',
      'Exit codes: 0 ok, 1 a threshold breached, 2 bad input, config or tracking plan, 3 AWS failure.',
    ].join('\n'),
  )
  .action(async (inputs: string[], options: Record<string, unknown>) => {
    const { runDqCheck } = await import('./commands/dq-check.js');
    finish(await runDqCheck(inputs, options));
  });

dq.command('sql')
  .description(
    'Print the SQL that computes the dq check metrics in DuckDB or Athena: one row per scope\n' +
      '(overall, each event × platform, __other__), every record classified exactly as dq check does.',
  )
  .requiredOption('--dialect <engine>', 'athena or duckdb')
  .requiredOption('--table <name>', 'the table (events, lake.events); for duckdb also an NDJSON file or a table expression')
  .option('--raw', 'the table has one VARCHAR column "line" per NDJSON line (the only layout that counts unparseable lines)', false)
  .option('--order-by <sql>', 'SQL expression giving input order, so the first copy of a key is the original (athena: \'"$path"\')')
  .option('--records', 'one row per record (segment, reason, dedup key, duplicate, lateness) instead of the metrics', false)
  .option('--schemas <dir>', 'the tracking plan directory (default: quality.trackingPlan in the config, else ./tracking-plan)')
  .option('-c, --config <file>', 'tripline config (dedup key, lateness, clock skew, segments, PII)')
  .option('--now <iso>', 'measure freshness against this time instead of now')
  .addHelpText(
    'after',
    [
      '',
      'Layouts: --raw reads a "line" column (raw NDJSON); otherwise one VARCHAR column per envelope field',
      '(eventid, eventname, userid, anonymousid, timestamp, receivedat, sentat) plus properties and context',
      'as JSON text. Lateness percentiles are HdrHistogram buckets computed in SQL: the same numbers as dq check.',
      '',
      'Examples:',
      '  tripline dq sql --dialect duckdb --table events.ndjson > quality.sql && duckdb < quality.sql',
      '  tripline dq sql --dialect athena --table tracking.events_raw --raw --order-by \'"$path"\'',
      '  tripline dq sql --dialect athena --table events_raw --raw --records --now 2026-11-22T03:00:00Z',
      '',
      'Exit codes: 0 ok, 2 bad option, config or tracking plan.',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    const { runDqSql } = await import('./commands/dq-sql.js');
    finish(await runDqSql(options));
  });

dq.command('athena')
  .description(
    'Run the dq check metrics in Athena over the data lake and report them as dq check does\n' +
      '(the same table, or with --json the same document plus the query id). Exit 1 on a breached threshold.',
  )
  .requiredOption('--table <name>', 'the Athena table (events_raw, or database.table)')
  .requiredOption('--database <name>', 'the Glue database the query runs in')
  .option('--workgroup <name>', 'Athena workgroup (default: primary)')
  .option('--output <s3-url>', 'query result location, when the workgroup sets none (s3://bucket/prefix/)')
  .option('--catalog <name>', 'data catalog (default: AwsDataCatalog)')
  .option('--raw', 'the table has one VARCHAR column "line" per NDJSON line (counts unparseable lines)', false)
  .option('--order-by <sql>', 'SQL expression giving input order for duplicates, e.g. \'"$path"\'')
  .option('--schemas <dir>', 'the tracking plan directory (default: quality.trackingPlan in the config, else ./tracking-plan)')
  .option('-c, --config <file>', 'tripline config (quality thresholds, dedup key, lateness, segments, PII)')
  .option('--now <iso>', 'measure freshness against this time instead of now')
  .option('--timeout <seconds>', 'stop the query if it has not finished by then (default 600)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    [
      '',
      'Uses the standard AWS credential chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_ATHENA).',
      'The caller needs athena:StartQueryExecution, GetQueryExecution, GetQueryResults and StopQueryExecution,',
      'glue:GetTable, s3:GetObject on the table location and s3:PutObject on the result location.',
      '',
      'Examples:',
      '  tripline dq athena --database tracking --table events_raw --raw --workgroup oncall',
      '  tripline dq athena --database tracking --table events_text --output s3://athena-results/tripline/ --json',
      "  AWS_PROFILE=prod tripline dq athena --database tracking --table events_raw --raw --order-by '\"$path\"' --timeout 1200",
      '',
      'Exit codes: 0 ok, 1 a threshold breached, 2 bad option, config or tracking plan, 3 Athena or AWS failure.',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    const { runDqAthena } = await import('./commands/dq-athena.js');
    finish(await runDqAthena(options));
  });

// ── commands: dlq (src/aws/redrive) ──

// ── commands: runbook (src/runbooks) ──

// ── commands: alarms (rules/alarms) ──

// ── commands: tui (cli/tui) ──

// ── commands: sandbox, summary ──

function finish(result: CommandResult): void {
  if (result.stdout !== undefined) process.stdout.write(result.stdout.endsWith('\n') ? result.stdout : `${result.stdout}\n`);
  process.exitCode = result.exitCode;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitCodeFor(error);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof ToolkitError) {
    process.stderr.write(`tripline: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`tripline: unexpected error: ${message}\n`);
  if (process.env['TRIPLINE_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}
