import type { RunbookClock } from '../runbooks/types.js';

/**
 * Sandbox time: real time sped up `speed` times from a start instant, so
 * CloudWatch-style 60 s and 300 s periods pass in a second or two. Metrics,
 * alarm transitions, PagerDuty timestamps and the console's header all carry
 * sandbox time; `elapsedRealMs` is what a person waited.
 *
 * It is also the runbook executor's clock: a runbook `wait … every=30s`
 * polls every 30 sandbox seconds.
 */
export class SandboxClock implements RunbookClock {
  readonly speed: number;
  readonly #startSandboxMs: number;
  readonly #startRealMs: number;
  readonly #realNow: () => number;

  constructor(options: { readonly speed: number; readonly start?: Date; readonly realNow?: () => number }) {
    if (!(options.speed > 0)) throw new RangeError(`speed must be more than 0, not ${options.speed}`);
    this.speed = options.speed;
    this.#realNow = options.realNow ?? (() => performance.timeOrigin + performance.now());
    this.#startRealMs = this.#realNow();
    this.#startSandboxMs = options.start?.getTime() ?? Math.floor(Date.now() / 60_000) * 60_000;
  }

  /** Sandbox epoch milliseconds. */
  now(): number {
    return this.#startSandboxMs + (this.#realNow() - this.#startRealMs) * this.speed;
  }

  date(): Date {
    return new Date(this.now());
  }

  /** Real milliseconds since the sandbox started. */
  elapsedRealMs(): number {
    return Math.round(this.#realNow() - this.#startRealMs);
  }

  /** Waits `ms` of sandbox time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms / this.speed)));
  }
}
