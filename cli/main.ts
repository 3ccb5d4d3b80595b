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
  .description('Oncall toolkit for an event-tracking pipeline on AWS: alarm paging, data quality, DLQ recovery.')
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
