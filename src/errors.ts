/**
 * The toolkit's error family. Every message names what was wrong, the bad
 * value where it is safe to show, and what to do next. Secrets never appear.
 */
export class ToolkitError extends Error {
  /** CLI exit code this error maps to: 2 bad input/config, 3 AWS/notifier failure. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The configuration is invalid; `issues` are `path: message` lines. */
export class ConfigError extends ToolkitError {
  override readonly exitCode = 2;
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(issues.length > 0 ? `${message}\n${issues.map((i) => `  - ${i}`).join('\n')}` : message, options);
    this.issues = issues;
  }
}

/** An input (event file, argument) is not what the command expects. */
export class InputError extends ToolkitError {
  override readonly exitCode = 2;
}

/** A notification could not be delivered. */
export class NotifyError extends ToolkitError {
  override readonly exitCode = 3;
  readonly retryable: boolean;
  readonly status: number | undefined;
  readonly receiver: string;
  constructor(
    message: string,
    fields: { retryable: boolean; status?: number; receiver: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = fields.retryable;
    this.status = fields.status;
    this.receiver = fields.receiver;
  }
}

/** An AWS call failed. */
export class AwsError extends ToolkitError {
  override readonly exitCode = 3;
  readonly service: string;
  readonly operation: string;
  constructor(message: string, fields: { service: string; operation: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.service = fields.service;
    this.operation = fields.operation;
  }
}

/** A secret (routing key, token) could not be resolved. */
export class SecretError extends ToolkitError {
  override readonly exitCode = 2;
}

/** A runbook (runbooks/*.md) cannot be used; `issues` are `runbooks/<file>:<line>: <what>` lines. */
export class RunbookError extends ToolkitError {
  override readonly exitCode = 2;
  readonly issues: readonly string[];
  constructor(message: string, issues: readonly string[] = [], options?: { cause?: unknown }) {
    super(issues.length > 0 ? `${message}\n${issues.map((i) => `  - ${i}`).join('\n')}` : message, options);
    this.issues = issues;
  }
}

/**
 * A redrive was refused because it is not safe yet (the source pipeline's
 * processor still fails above its threshold); `--force` overrides.
 */
export class RedriveRefusedError extends ToolkitError {
  override readonly exitCode = 2;
}

/** The PagerDuty REST API refused or failed a read (open incidents); `status` is the HTTP status when there was one. */
export class PagerDutyApiError extends ToolkitError {
  override readonly exitCode = 3;
  readonly status: number | undefined;
  constructor(message: string, fields: { status?: number }, options?: { cause?: unknown }) {
    super(message, options);
    this.status = fields.status;
  }
}

/** A health condition (runbook check) does not parse; `column` is 1-based. */
export class ConditionError extends InputError {
  readonly condition: string;
  readonly column: number;
  constructor(message: string, fields: { condition: string; column: number }) {
    super(message);
    this.condition = fields.condition;
    this.column = fields.column;
  }
}
