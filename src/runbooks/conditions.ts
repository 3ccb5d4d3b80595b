import { evaluateCondition, parseCondition } from '../health/condition.js';
import type { ConditionCompiler } from './types.js';

/**
 * Runbook conditions in the health condition language (src/health/condition.ts):
 * `processor.errorRate < threshold.processorErrorRate and dlq.depth == 0`.
 * The result text is one line: each comparison with the values it saw.
 *
 * @throws ConditionError (exit 2) naming the bad token and its column.
 */
export const healthConditions: ConditionCompiler = (text) => {
  const parsed = parseCondition(text);
  return {
    evaluate: (health, thresholds) => {
      const result = evaluateCondition(parsed, { health, thresholds });
      return { ok: result.ok, text: result.text.split('\n').join('; '), values: result.values };
    },
  };
};
