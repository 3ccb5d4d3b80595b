import { useCallback, useEffect, useRef, useState } from 'react';
import type { HealthSnapshot } from '../../../src/domain/health.js';
import { describeError } from '../describe-error.js';

export interface SnapshotState {
  readonly snapshot?: HealthSnapshot;
  /** Why the last refresh failed or what it could not read; undefined when all is well. */
  readonly problem?: string;
  readonly refreshing: boolean;
  /** Milliseconds until the next refresh (grows on errors). */
  readonly nextDelayMs: number;
  readonly refresh: () => void;
}

/**
 * Refreshes every `intervalMs`; on a failed refresh (or one with problems)
 * the delay doubles up to 60 s (or 4× the interval, if that is longer), so an
 * expired token or throttling is not hammered; a good refresh restores the interval. Never throws.
 */
export function useSnapshot(load: () => Promise<HealthSnapshot>, intervalMs: number): SnapshotState {
  const [snapshot, setSnapshot] = useState<HealthSnapshot | undefined>(undefined);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [refreshing, setRefreshing] = useState(false);
  const [nextDelayMs, setNextDelay] = useState(intervalMs);
  const timer = useRef<NodeJS.Timeout | undefined>(undefined);
  const delay = useRef(intervalMs);
  const inFlight = useRef(false);
  const alive = useRef(true);
  const ceiling = Math.max(60_000, intervalMs * 4);

  const run = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    setRefreshing(true);
    clearTimeout(timer.current);
    try {
      const next = await load();
      if (!alive.current) return;
      setSnapshot(next);
      const issue = next.problems.length > 0 ? next.problems.join(' · ') : undefined;
      setProblem(issue);
      delay.current = issue === undefined ? intervalMs : Math.min(delay.current * 2, ceiling);
    } catch (error) {
      if (!alive.current) return;
      setProblem(describeError(error));
      delay.current = Math.min(delay.current * 2, ceiling);
    } finally {
      inFlight.current = false;
      if (alive.current) {
        setRefreshing(false);
        setNextDelay(delay.current);
        timer.current = setTimeout(() => void run(), delay.current);
      }
    }
  }, [load, intervalMs, ceiling]);

  useEffect(() => {
    alive.current = true;
    void run();
    return () => {
      alive.current = false;
      clearTimeout(timer.current);
    };
  }, [run]);

  const refresh = useCallback(() => {
    delay.current = intervalMs;
    void run();
  }, [run, intervalMs]);

  return { snapshot, problem, refreshing, nextDelayMs, refresh };
}
