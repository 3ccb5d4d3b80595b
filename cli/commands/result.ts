/** What a command hands back to cli/main.ts: its output and its exit code. */
export interface CommandResult {
  readonly exitCode: 0 | 1 | 2 | 3;
  /** Result text or one JSON document, for stdout. Logs go to stderr as they happen. */
  readonly stdout?: string;
}
