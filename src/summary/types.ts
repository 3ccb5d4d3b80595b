import type { AlarmStateValue, Incident, MetricWindow, Reading } from '../domain/health.js';

/**
 * One stretch of time an alarm spent in ALARM. An episode that began before
 * the window is counted from the window's start (`startedBeforeWindow`), so
 * its duration is a lower bound; one still in ALARM at the window's end is
 * `ongoing` and measured to the end.
 */
export interface AlarmEpisode {
  readonly start: Date;
  /** When it left ALARM; undefined while ongoing. */
  readonly end: Date | undefined;
  /** The state it left ALARM for (OK is a resolve; INSUFFICIENT_DATA is not). */
  readonly endedIn: 'OK' | 'INSUFFICIENT_DATA' | undefined;
  readonly ongoing: boolean;
  readonly startedBeforeWindow: boolean;
  /** To `end`, or to the window's end while ongoing. */
  readonly durationSeconds: number;
}

/** What one alarm did during the shift. */
export interface AlarmShift {
  readonly name: string;
  readonly kind: 'metric' | 'composite';
  readonly pipeline: string | undefined;
  /** State changes in the window (any states). */
  readonly transitions: number;
  /** Changes into ALARM in the window. */
  readonly fired: number;
  /** Changes from ALARM to OK in the window. */
  readonly resolved: number;
  readonly episodes: readonly AlarmEpisode[];
  /** Mean duration of this alarm's resolved episodes; undefined without one. */
  readonly mttrSeconds: number | undefined;
  readonly flapping: boolean;
  /** State at the window's end. */
  readonly state: AlarmStateValue;
}

/** A threshold check as the summary reports it: the latest value against the pipeline's threshold. */
export interface ThresholdCheck {
  readonly value: number | undefined;
  readonly threshold: number;
  readonly level: Reading['level'];
  /** Above the threshold (the alarm's own comparison). */
  readonly breached: boolean;
}

/** One pipeline at the end of the shift (from one health snapshot). */
export interface PipelineShift {
  readonly pipeline: string;
  readonly dlq: {
    readonly queue: string;
    /** Visible messages (GetQueueAttributes, else the CloudWatch metric). */
    readonly depth: number | undefined;
    readonly inFlight: number | undefined;
    readonly oldestAgeSeconds: number | undefined;
    readonly threshold: number;
    readonly breached: boolean;
  };
  readonly quality: {
    readonly invalidRate: ThresholdCheck;
    readonly duplicateRate: ThresholdCheck;
    readonly lateRate: ThresholdCheck;
  };
  readonly freshness: ThresholdCheck;
}

/** A redrive (or cancel, export) from the audit trail: a `started` entry and its outcome are one action. */
export interface RecoveryAction {
  /** When it ended (or was recorded, for one-entry actions). */
  readonly at: Date;
  /** When its `started` entry was written, when there was one. */
  readonly startedAt: Date | undefined;
  readonly actor: string;
  /** `dlq.redrive.native`, `dlq.redrive.selective`, `dlq.cancel`, `dlq.export`. */
  readonly action: string;
  readonly source: string | undefined;
  readonly destination: string | undefined;
  /** Messages moved (or exported); for a still-`started` action, the messages there were to move. */
  readonly count: number | undefined;
  /** `started` means no outcome was recorded (a native redrive run with --no-wait, or interrupted). */
  readonly outcome: 'started' | 'succeeded' | 'failed' | 'cancelled' | 'refused';
  /** `cli`, `tui`, or `runbook <id>`. */
  readonly via: string;
}

export interface ShiftSummary {
  readonly window: MetricWindow;
  readonly environment: string;
  readonly account: string | undefined;
  readonly region: string | undefined;
  /** When the health numbers were read. */
  readonly snapshotAt: Date;
  readonly totals: {
    readonly fired: number;
    readonly resolved: number;
    /** Mean duration of every resolved episode in the window. */
    readonly mttrSeconds: number | undefined;
    /** Alarms still in ALARM at the window's end. */
    readonly ongoing: number;
    readonly flapping: number;
    /** Alarms that changed state (or stayed in ALARM) in the window. */
    readonly alarms: number;
  };
  /** Composite alarms first, then the most fired; every alarm that changed state or stayed in ALARM. */
  readonly alarms: readonly AlarmShift[];
  /** The noisiest alarms: at least `flappingTransitions` changes, most changes first. */
  readonly flapping: readonly AlarmShift[];
  readonly flappingTransitions: number;
  /** Open incidents; `configured: false` when no incident reader is set up (console.pagerdutyApiToken). */
  readonly incidents: { readonly configured: boolean; readonly open: readonly Incident[] };
  readonly pipelines: readonly PipelineShift[];
  /** Redrives, cancels and exports in the window; `available: false` where the audit trail cannot be read. */
  readonly recovery: {
    readonly available: boolean;
    /** Where the actions were read from, or why they are not available. */
    readonly source: string;
    readonly redrives: readonly RecoveryAction[];
    readonly other: readonly RecoveryAction[];
  };
  /** What needs someone now: alarms still firing, open incidents, DLQs holding messages, breached thresholds. */
  readonly attention: readonly string[];
  /** How to read the numbers (episodes counted from the window's start, …). */
  readonly notes: readonly string[];
  /** Readers that failed; their part of the summary is empty. */
  readonly problems: readonly string[];
}
