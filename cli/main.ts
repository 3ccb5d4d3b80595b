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

// `tripline … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

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

const dlqCommand = program
  .command('dlq')
  .description('Dead-letter queues: list, peek, export, and redrive (native or selective) with an audit trail');

const dlqAwsHelp = [
  'Queues may be given by name, URL or ARN. Uses the standard AWS credential chain (AWS_PROFILE, AWS_REGION,',
  'AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_STS). Actions are recorded in the audit trail (console.audit.file,',
  'default .tripline/audit.jsonl, and Slack when console.audit.slackChannel is set) with the caller from STS.',
];

dlqCommand
  .command('list')
  .summary('Show each DLQ: depth, the queues it serves, and its move task with progress')
  .description('Each DLQ with its depth (visible, in flight), the queues it serves and its message move task (running, or the last one) with progress. Exit 1 when a DLQ holds messages.')
  .argument('[queues...]', 'DLQs to show (default: every pipeline dlq in the config, else every queue named in a RedrivePolicy)')
  .option('--prefix <prefix>', 'without queues or config: only queues whose name starts with this')
  .option('-c, --config <file>', 'tripline config (pipelines)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    ['', ...dlqAwsHelp, '', 'Examples:', '  tripline dlq list', '  tripline dlq list web-dlq ios-dlq --json', '  tripline dlq list --prefix tripline-', '', 'Exit codes: 0 all empty, 1 a DLQ holds messages, 2 unknown queue or bad config, 3 AWS failure.'].join('\n'),
  )
  .action(async (queues: string[], options: Record<string, unknown>) => {
    const { runDlqList } = await import('./commands/dlq.js');
    finish(await runDlqList(queues, options));
  });

dlqCommand
  .command('peek')
  .summary('Look at messages without consuming them (PII redacted, grouped by error)')
  .description('Look at messages without consuming them: received, then made visible again at once (ChangeMessageVisibility 0); each peek raises their receive count. Bodies are shown with PII redacted (e-mail addresses, phone numbers, IPs, fields named like email/phone/ip/name), grouped by error attribute (errorType, ErrorCode, ErrorMessage, …; "(none)" without one).')
  .argument('<dlq>', 'the queue: name, URL or ARN')
  .option('--max <n>', 'how many messages to look at (1–1000, default 10)')
  .option('--group-by <attrs>', 'message attribute(s) to group by, comma-separated (default: errorType,ErrorType,ErrorCode,…)')
  .option('-c, --config <file>', 'tripline config')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    ['', ...dlqAwsHelp, '', 'Examples:', '  tripline dlq peek web-dlq', '  tripline dlq peek web-dlq --max 50 --group-by ErrorMessage --json', '', 'Exit codes: 0 ok, 2 unknown queue or bad option, 3 AWS failure.'].join('\n'),
  )
  .action(async (queue: string, options: Record<string, unknown>) => {
    const { runDlqPeek } = await import('./commands/dlq.js');
    finish(await runDlqPeek(queue, options));
  });

dlqCommand
  .command('export')
  .summary('Write the messages to an NDJSON file without deleting them')
  .description('Write every message (or the first --max) to an NDJSON file: messageId, body, messageAttributes, attributes (system attributes), receivedAt, queue. Nothing is deleted: messages are hidden while the export runs and released at the end.')
  .argument('<dlq>', 'the queue: name, URL or ARN')
  .requiredOption('--out <file>', 'the NDJSON file (appended; created with mode 0600)')
  .option('--max <n>', 'stop after this many messages')
  .option('--yes', 'do not ask for confirmation (required without a terminal)', false)
  .option('-c, --config <file>', 'tripline config (audit trail)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addOption(new Option('--visibility-timeout <s>', 'receive visibility timeout while held').hideHelp())
  .addOption(new Option('--wait-time <s>', 'long-poll seconds per receive').hideHelp())
  .addHelpText(
    'after',
    ['', ...dlqAwsHelp, '', 'Examples:', '  tripline dlq export web-dlq --out web-dlq-$(date +%F).ndjson', '  tripline dlq export web-dlq --out sample.ndjson --max 100 --yes', '', 'Exit codes: 0 ok, 1 interrupted or incomplete, 2 unknown queue, bad option or not confirmed, 3 AWS failure.'].join('\n'),
  )
  .action(async (queue: string, options: Record<string, unknown>) => {
    const { runDlqExport } = await import('./commands/dlq.js');
    finish(await runDlqExport(queue, options));
  });

dlqCommand
  .command('redrive')
  .summary('Move messages out of a DLQ: native move task or selective (filter, backup)')
  .description("Move messages out of a DLQ, after checking it is a DLQ, no move task runs on it, and its pipeline's processor error rate is within its threshold (else refused unless --force). Native (default): an SQS message move task; each message returns to its source queue unless --to. Selective (--selective, --filter, --max or --backup): client-side, 10 at a time: receive, filter, back up (fsync), send, and delete only what was sent.")
  .argument('<dlq>', 'the dead-letter queue: name, URL or ARN')
  .option('--to <queue>', 'destination (default: native — each message\'s source queue; selective — the DLQ\'s source queue)')
  .option('--native', 'use an SQS message move task', false)
  .option('--selective', 'move client-side (filter, backup, max)', false)
  .option('--filter <expr>', 'selective: only matching messages move (grammar below)')
  .option('--rate <n>', 'messages per second, 1–500 (native: MaxNumberOfMessagesPerSecond)')
  .option('--max <n>', 'selective: stop after moving this many')
  .option('--backup <file>', 'selective: append each message to this NDJSON file (and fsync) before sending it')
  .option('--dry-run', 'check everything and report what would move; move nothing', false)
  .option('--yes', 'do not ask for the queue name (required without a terminal)', false)
  .option('--force', 'redrive even though the processor error rate is above its threshold', false)
  .option('--no-wait', 'native: return once the task has started')
  .option('-c, --config <file>', 'tripline config (pipelines, thresholds, audit trail)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addOption(new Option('--visibility-timeout <s>', 'receive visibility timeout (default 30; env TRIPLINE_REDRIVE_VISIBILITY_SECONDS)').hideHelp())
  .addOption(new Option('--wait-time <s>', 'long-poll seconds per receive (default 20; env TRIPLINE_REDRIVE_WAIT_SECONDS)').hideHelp())
  .addHelpText(
    'after',
    [
      '',
      'Filter (selective): clauses joined with " and "; each is <target><op><value>:',
      '  targets  body (the whole body), body.<a.b.0> (a JSON path), attr.<Name> (message attribute),',
      '           sys.<Name> (system attribute, e.g. sys.MessageGroupId)',
      '  ops      = equals · != differs or is missing · ~ regular expression search',
      '  values   text up to the next " and ", or "double-quoted" (\\" and \\\\ escapes)',
      '',
      'The summary counts moved, skipped (did not match), failed (sent nowhere, left in the DLQ), and duplicates',
      'possible (sent but not deleted: in both queues). Interrupted at any point, no message is lost.',
      '',
      ...dlqAwsHelp,
      '',
      'Examples:',
      '  tripline dlq redrive web-dlq --rate 50',
      '  tripline dlq redrive web-dlq --selective --filter \'attr.errorType=Timeout\' --backup web-dlq.ndjson',
      "  tripline dlq redrive web-dlq --filter 'body.context.app.version~^2\\.3 and attr.errorType!=Schema' --dry-run",
      '  tripline dlq redrive arn:aws:sqs:eu-west-1:123456789012:web-dlq --to web-replay --max 100 --yes --json',
      '',
      'Exit codes: 0 ok, 1 some messages failed or the run stopped early, 2 bad input, not a DLQ, a move task',
      'already running, refused by the error-rate check, or not confirmed, 3 AWS failure (e.g. expired credentials).',
    ].join('\n'),
  )
  .action(async (queue: string, options: Record<string, unknown>) => {
    const { runDlqRedrive } = await import('./commands/dlq-redrive.js');
    finish(await runDlqRedrive(queue, options));
  });

dlqCommand
  .command('cancel')
  .summary('Cancel the running move task of a DLQ')
  .description('Cancel the running message move task of a DLQ (messages already moved stay moved).')
  .argument('<dlq>', 'the dead-letter queue: name, URL or ARN')
  .option('--yes', 'do not ask for the queue name (required without a terminal)', false)
  .option('-c, --config <file>', 'tripline config (audit trail)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    ['', ...dlqAwsHelp, '', 'Examples:', '  tripline dlq cancel web-dlq', '  tripline dlq cancel web-dlq --yes --json', '', 'Exit codes: 0 cancelled, 2 unknown queue, no task running or not confirmed, 3 AWS failure.'].join('\n'),
  )
  .action(async (queue: string, options: Record<string, unknown>) => {
    const { runDlqCancel } = await import('./commands/dlq.js');
    finish(await runDlqCancel(queue, options));
  });

// ── commands: runbook (src/runbooks) ──

const runbook = program
  .command('runbook')
  .description('Runbooks (runbooks/*.md): checks, actions and waits that take an alarm from firing to resolved');

runbook
  .command('list')
  .description('List the runbooks (id, title, the alarms they answer), or with --alarm the one an alarm leads to.')
  .option('--alarm <name>', 'only the runbook whose alarms globs match this alarm name (exit 1 when none does)')
  .option('-c, --config <file>', 'tripline config (console.runbooks names the directory; default ./runbooks)')
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  tripline runbook list',
      '  tripline runbook list --alarm tripline-web-dlq-depth',
      '  tripline runbook list --json',
      '',
      'Exit codes: 0 ok, 1 no runbook answers the --alarm, 2 a runbook file or the config is invalid.',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    const { runRunbookList } = await import('./commands/runbook.js');
    finish(await runRunbookList(options));
  });

runbook
  .command('show')
  .description('Print a runbook for a terminal: its prose, and each step numbered with what it does.')
  .argument('<id>', 'the runbook id (its front matter `id`), e.g. dlq-redrive')
  .option('-c, --config <file>', 'tripline config (console.runbooks names the directory; default ./runbooks)')
  .option('--json', 'print the parsed runbook as one JSON document', false)
  .addHelpText(
    'after',
    [
      '',
      'Examples:',
      '  tripline runbook show dlq-redrive',
      '  tripline runbook show stream-lag --json',
      '',
      'Exit codes: 0 ok, 2 unknown id, or the runbook or config is invalid.',
    ].join('\n'),
  )
  .action(async (id: string, options: Record<string, unknown>) => {
    const { runRunbookShow } = await import('./commands/runbook.js');
    finish(await runRunbookShow(id, options));
  });

runbook
  .command('run')
  .summary('Run a runbook against one pipeline: checks, acts (asking first), waits and verifies, all audited')
  .description(
    "Run a runbook's steps in order against one pipeline: a failed check stops it, each act (redrive, cancel, " +
      'export) asks first unless --yes, a wait polls until true or its timeout, a verify must hold. ' +
      'Every step is recorded in the audit trail (console.audit.file).',
  )
  .argument('<id>', 'the runbook id, e.g. dlq-redrive')
  .option('--pipeline <name>', 'the pipeline to act on (default: the --alarm\'s pipeline, or the only one in the config)')
  .option('--alarm <name>', 'the alarm being worked: its name picks the pipeline (by alarm prefix)')
  .option('--yes', 'do not ask before act steps', false)
  .option('--dry-run', 'evaluate the checks, print what each act would do, change nothing', false)
  .option('-c, --config <file>', 'tripline config (pipelines, console.runbooks, console.audit)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print the result (every step and its outcome) as one JSON document', false)
  .addHelpText(
    'after',
    [
      '',
      'Reads CloudWatch metrics (GetMetricData) and SQS queue attributes with the standard credential chain',
      '(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_CLOUDWATCH, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_STS); act',
      'steps need the SQS permissions of `tripline dlq` (StartMessageMoveTask, ReceiveMessage, SendMessage, ...).',
      'The audit trail names the caller from STS. Progress goes to stderr as it happens; the result to stdout.',
      '',
      'Examples:',
      '  tripline runbook run dlq-redrive --pipeline web --dry-run',
      '  tripline runbook run dlq-redrive --alarm tripline-web-dlq-depth',
      '  tripline runbook run stream-lag --pipeline ios --yes --json',
      '',
      'Exit codes: 0 every step held, 1 a check, wait or verify failed or an act was declined,',
      '2 bad runbook, unknown id or pipeline, or acts to confirm without a terminal, 3 AWS failure.',
    ].join('\n'),
  )
  .action(async (id: string, options: Record<string, unknown>) => {
    const { runRunbookRun } = await import('./commands/runbook.js');
    finish(await runRunbookRun(id, options));
  });

// ── commands: alarms (rules/alarms) ──

const alarms = program
  .command('alarms')
  .description("The pipelines' CloudWatch alarms as code: one composite per pipeline pages, its children post to Slack");

alarms
  .command('plan')
  .description(
    'Print the alarms the config\'s pipelines should have (metric, statistic, period, threshold, runbook);\n' +
      'with --aws, what differs in CloudWatch: missing, changed (field by field), extra under a pipeline prefix.',
  )
  .option('-c, --config <file>', 'tripline config (default: ./tripline.config.yaml, TRIPLINE_CONFIG_FILE, TRIPLINE_CONFIG)')
  .option('--aws', 'compare with CloudWatch DescribeAlarms (uses your AWS credentials)', false)
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    [
      '',
      'The caller needs cloudwatch:DescribeAlarms (with --aws). AWS_ENDPOINT_URL_CLOUDWATCH points it elsewhere.',
      '',
      'Examples:',
      '  tripline alarms plan',
      '  tripline alarms plan --aws --region eu-west-1',
      '  AWS_PROFILE=prod tripline alarms plan --aws --json',
      '',
      'Exit codes: 0 ok (in sync with --aws), 1 CloudWatch differs (missing, changed or extra alarms),',
      '2 bad option or config, 3 AWS failure.',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    const { runAlarmsPlan } = await import('./commands/alarms.js');
    finish(await runAlarmsPlan(options));
  });

alarms
  .command('apply')
  .description(
    'Create or update the missing and changed alarms (PutMetricAlarm, then PutCompositeAlarm) for teams\n' +
      'that do not deploy with CDK. Shows the changes and asks you to type the region; extra alarms are left alone.',
  )
  .option('-c, --config <file>', 'tripline config (default: ./tripline.config.yaml, TRIPLINE_CONFIG_FILE, TRIPLINE_CONFIG)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--yes', 'apply without asking (required when stdin is not a terminal)', false)
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    [
      '',
      'The caller needs cloudwatch:DescribeAlarms, PutMetricAlarm, PutCompositeAlarm and TagResource.',
      '',
      'Examples:',
      '  tripline alarms apply',
      '  tripline alarms apply --region eu-west-1 --yes',
      '',
      'Exit codes: 0 applied (or nothing to do), 1 cancelled at the prompt, 2 bad option or config, or no',
      'terminal to confirm on and no --yes, 3 AWS failure (what was written before it is listed).',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    const { runAlarmsApply } = await import('./commands/alarms.js');
    finish(await runAlarmsApply(options));
  });

// ── commands: tui (cli/tui) ──

program
  .command('tui')
  .summary('The oncall console: pipelines, alarms, incidents and DLQs, with guarded redrive')
  .description(
    'The oncall console: per pipeline lag, processor errors, failed-queue and DLQ depth and age, Firehose ' +
      'freshness, quality rates and collector traffic; alarms with their runbooks; open incidents; DLQ peek, ' +
      'redrive (native or selective), cancel and export behind a typed confirmation.',
  )
  .option('--read-only', 'no redrive, cancel, export or runbook runs: the keys are not bound at all', false)
  .option('--refresh <duration>', 'how often to refresh (1s–10m; slows down by itself on errors)', '5s')
  .option('-c, --config <file>', 'tripline config (pipelines, console, audit; default ./tripline.config.yaml)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--force', 'allow redrives while the processor error rate is above its threshold', false)
  .addHelpText(
    'after',
    [
      '',
      'Keys: ↑/↓ or j/k move · Enter open (pipeline → DLQ, alarm → runbook) · Esc back · / filter · : command',
      '      1–4 views · r refresh · ? help for this view · q quit',
      '      DLQ view: p peek · R native redrive · S selective redrive · C cancel move task · E export',
      '      Runbook view: x run (asks before each action)',
      'Every action asks you to type the queue name and is written to the audit trail (console.audit).',
      'One GetMetricData call per refresh reads every metric shown (up to 29 fully configured pipelines).',
      '',
      'Examples:',
      '  tripline tui',
      '  tripline tui --read-only --refresh 30s',
      '  AWS_PROFILE=prod tripline tui --config ops/tripline.config.yaml',
      '',
      'Exit codes: 0 quit, 2 no terminal or bad option/config.',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    liveTerminal();
    const { runTui } = await import('./commands/tui.js');
    finish(await runTui(options));
  });

// ── commands: sandbox, summary ──

program
  .command('sandbox')
  .summary('The whole oncall loop on this machine, no AWS account (what npm start runs)')
  .description(
    'The whole loop on this machine, no AWS account: a local pipeline (local-aws-sqs failed queues and DLQs, ' +
      'a producer, a processor running the quality checks, a retry processor), the shipped alarms evaluated as ' +
      'CloudWatch does, the real alarm router paging a local PagerDuty inbox and posting to a local Slack inbox, ' +
      'and the console attached with fault keys. What `npm start` runs.',
  )
  .option('--scenario <name>', 'a scripted game day: dlq-incident, stale-platform, bad-release or collector-outage (with --headless)')
  .option('--headless', 'run the scenario without the console and print its timeline', false)
  .option('--json', 'print the scenario result (expectations, accounting, timeline) as one JSON document', false)
  .option('--speed <n>', 'sandbox seconds per real second (default 20 in the console, 120 for scenarios)')
  .option('--seed <n>', 'random seed: the same seed makes the same traffic')
  .option('-c, --config <file>', 'tripline config whose pipelines, alarms and routes the sandbox runs (default ./tripline.config.yaml)')
  .addHelpText(
    'after',
    [
      '',
      'Fault keys in the console: b break/fix the web processor · t traffic spike · s silence ios · i invalid-event spike ·',
      '  d duplicate storm · c skewed device clocks · o collector outage (all three) · f fix everything;',
      '  the console keys work as in `tripline tui`.',
      'Everything listens on 127.0.0.1 only; the audit trail and backups go to .tripline/sandbox/.',
      '',
      'Examples:',
      '  npm start                                    # build, then the console on the sandbox',
      '  tripline sandbox --speed 60',
      '  tripline sandbox --scenario dlq-incident --headless --json',
      '',
      'Exit codes: 0 ok (scenario expectations held), 1 a scenario expectation failed, 2 bad option or no terminal.',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    liveTerminal();
    const { runSandbox } = await import('./commands/sandbox.js');
    finish(await runSandbox(options));
  });

program
  .command('summary')
  .summary('What happened during the shift: alarms, MTTR, flapping, incidents, DLQs, quality, redrives')
  .description(
    'Summarize the shift that ended at --until (default now): alarms fired and resolved with each episode and ' +
      "MTTR (CloudWatch DescribeAlarmHistory), flapping alarms, open PagerDuty incidents, each pipeline's DLQ depth, " +
      'quality rates and freshness against its thresholds (one GetMetricData call), and the redrives in the audit ' +
      'trail. --post also posts it to Slack as Block Kit. Exit 1 when something needs attention.',
  )
  .option('--since <duration>', 'how far back: 30m, 12h, 2d (at most 30d), or an ISO time (default: summary.since, else 12h)')
  .option('--until <iso>', 'end of the window, ISO 8601 (default: now)')
  .option('--post', 'also post the summary to Slack (summary.channel, --channel or SLACK_CHANNEL; token slack.token)', false)
  .option('--channel <channel>', 'Slack channel to post to, e.g. "#pipeline-oncall" or C0123ABCD')
  .option('-c, --config <file>', 'tripline config (pipelines, console, slack, summary)')
  .option('--region <region>', 'AWS region (default: AWS_REGION / the profile)')
  .option('--json', 'print one JSON document on stdout', false)
  .addHelpText(
    'after',
    [
      '',
      'An episode is a stretch in ALARM; leaving ALARM for OK resolves it. Alarms already in ALARM when the window',
      'began are counted from its start. MTTR is the mean length of the resolved episodes. An alarm with 4 or more',
      'state changes (summary.flappingTransitions) is flapping. Redrives come from console.audit.file on this machine.',
      '',
      'The caller needs cloudwatch:DescribeAlarmHistory, GetMetricData and DescribeAlarms and sqs:GetQueueAttributes',
      '(AWS_ENDPOINT_URL_CLOUDWATCH, AWS_ENDPOINT_URL_SQS point them elsewhere); --post needs a Slack bot token with',
      'chat:write (SLACK_BOT_TOKEN, SLACK_API_URL).',
      '',
      'Examples:',
      '  tripline summary',
      '  tripline summary --since 8h --json',
      '  tripline summary --since 2026-11-22T20:00:00Z --until 2026-11-23T08:00:00Z',
      '  SLACK_BOT_TOKEN=xoxb-... tripline summary --post --channel "#pipeline-oncall"',
      '',
      'Exit codes: 0 ok, 1 something needs attention (an alarm still in ALARM, an open incident, a DLQ holding',
      'messages, a breached threshold, a failed redrive), 2 bad option or config, 3 AWS or Slack failure.',
    ].join('\n'),
  )
  .action(async (options: Record<string, unknown>) => {
    const { runSummary } = await import('./commands/summary.js');
    finish(await runSummary(options));
  });

/**
 * Ink draws only the final frame when it sees CI set (for build logs). At a
 * terminal a person is watching the console, so it draws live there too.
 * Called before Ink is first imported: it reads the variables once.
 */
function liveTerminal(): void {
  if (process.stdout.isTTY !== true) return;
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (process.env[name] !== undefined) process.env[name] = 'false';
}

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
