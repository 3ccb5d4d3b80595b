/**
 * Bounded retries inside a total time budget, so a notifier gives up (and the
 * Lambda throws, keeping the transition) before the Lambda itself times out.
 */
export interface RetryPolicy {
  /** Total time allowed for all attempts and waits, in ms. */
  readonly budgetMs: number;
  /** First backoff delay in ms; doubles each attempt, with full jitter. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Cap on attempts, whatever the budget. */
  readonly maxAttempts?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface AttemptFailure {
  readonly retryable: boolean;
  /** Server-requested wait (Retry-After), in ms. */
  readonly retryAfterMs?: number;
}

export interface AttemptContext {
  readonly attempt: number;
  /** Aborts when the attempt's share of the budget is spent. */
  readonly signal: AbortSignal;
  /** Milliseconds left in the whole budget. */
  readonly remainingMs: number;
}

export class RetryBudgetExhausted extends Error {
  readonly attempts: number;
  readonly lastError: unknown;
  constructor(attempts: number, lastError: unknown) {
    super(`gave up after ${attempts} attempt(s): the retry budget is spent`, { cause: lastError });
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it resolves, `classify` says the error is final, or the
 * budget would be overrun by the next wait. Each attempt gets an AbortSignal
 * that fires when the budget ends, so a hung request cannot outlive it.
 *
 * @returns the attempt's value and the number of attempts made.
 * @throws the final error as is (not retryable), or RetryBudgetExhausted.
 */
export async function withRetry<T>(
  attempt: (ctx: AttemptContext) => Promise<T>,
  classify: (error: unknown) => AttemptFailure,
  policy: RetryPolicy,
  outer?: AbortSignal,
): Promise<{ value: T; attempts: number }> {
  const now = policy.now ?? Date.now;
  const wait = policy.sleep ?? sleep;
  const random = policy.random ?? Math.random;
  const base = policy.baseDelayMs ?? 200;
  const maxDelay = policy.maxDelayMs ?? 5_000;
  const maxAttempts = policy.maxAttempts ?? 10;
  const deadline = now() + policy.budgetMs;
  // One signal for the whole budget: every attempt ends with it.
  const budgetSignal = AbortSignal.timeout(Math.max(1, policy.budgetMs));
  const signal = outer ? AbortSignal.any([outer, budgetSignal]) : budgetSignal;

  for (let n = 1; ; n++) {
    const remainingMs = deadline - now();
    try {
      return { value: await attempt({ attempt: n, signal, remainingMs }), attempts: n };
    } catch (error) {
      if (outer?.aborted) throw error;
      const failure = classify(error);
      if (!failure.retryable) throw error;
      const backoff = Math.min(maxDelay, base * 2 ** (n - 1)) * (0.5 + random() / 2);
      const delay = Math.max(failure.retryAfterMs ?? 0, backoff);
      if (n >= maxAttempts || now() + delay >= deadline) throw new RetryBudgetExhausted(n, error);
      await wait(delay, outer);
    }
  }
}
