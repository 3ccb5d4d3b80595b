// The CDK app (cdk.json: `npx tsx rules/app.ts`). Settings come from context
// (-c stackName=… -c topology=direct -c alarmNamePrefix=… -c config=…) or
// TRIPLINE_* environment variables; see rules/build-app.ts.
import { ToolkitError } from '../src/errors.js';
import { buildApp } from './build-app.js';

try {
  const { app } = await buildApp();
  app.synth();
} catch (error) {
  if (!(error instanceof ToolkitError)) throw error;
  // The CDK CLI shows stderr; a stack trace would bury the one line that says what to do.
  process.stderr.write(`tripline: ${error.message}\n`);
  process.exitCode = error.exitCode;
}
