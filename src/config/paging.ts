import * as z from 'zod/mini';
import '../zod-config.js';
import { SEVERITIES } from '../domain/alarm.js';
import { patternProblem } from './pattern.js';
import { runbookTemplateProblems } from './runbook-template.js';
import { SecretRefSchema } from './secret-ref.js';

/** A glob (`*` also crosses `/`) or, wrapped in slashes, a regex: `"/^tripline-/"`. */
export const PatternSchema = z.string().check(
  z.superRefine((pattern, ctx) => {
    const problem = patternProblem(pattern);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

export const SeveritySchema = z.enum(SEVERITIES);

/**
 * What to do when an alarm goes to INSUFFICIENT_DATA: `ignore` resolves any
 * open incident quietly, `notify` resolves it and posts to Slack, `page`
 * treats it like ALARM at severity `warning`.
 */
export const InsufficientDataPolicySchema = z.enum(['ignore', 'notify', 'page']);
export type InsufficientDataPolicy = z.infer<typeof InsufficientDataPolicySchema>;

export const RunbookTemplateSchema = z.string().check(
  z.superRefine((template, ctx) => {
    for (const message of runbookTemplateProblems(template)) ctx.addIssue({ code: 'custom', message });
  }),
);

/**
 * Every given field must match. `namespace` and `metric` match when any of
 * the alarm's metrics does; `dimensions` and `tags` need every listed key.
 */
export const MatcherSchema = z.strictObject({
  alarmName: z.optional(PatternSchema),
  namespace: z.optional(PatternSchema),
  metric: z.optional(PatternSchema),
  dimensions: z.optional(z.record(z.string(), PatternSchema)),
  account: z.optional(PatternSchema),
  region: z.optional(PatternSchema),
  tags: z.optional(z.record(z.string(), PatternSchema)),
});
export type Matcher = z.infer<typeof MatcherSchema>;

export const ReceiverConfigSchema = z.strictObject({
  name: z.string().check(z.minLength(1, 'must not be empty')),
  pagerduty: z.optional(z.strictObject({ routingKey: SecretRefSchema })),
  slack: z.optional(
    z.strictObject({
      channel: z.string().check(z.minLength(1, 'must name a channel, e.g. "#pipeline-alerts" or "C0123456789"')),
    }),
  ),
});
export type ReceiverConfig = z.infer<typeof ReceiverConfigSchema>;

const routeSettings = {
  severity: z.optional(SeveritySchema),
  runbookUrl: z.optional(RunbookTemplateSchema),
  insufficientData: z.optional(InsufficientDataPolicySchema),
};

/** A child route: matches when its `match` does (an absent `match` matches everything). */
export interface RouteConfig {
  match?: Matcher | undefined;
  receiver?: string | undefined;
  severity?: z.infer<typeof SeveritySchema> | undefined;
  runbookUrl?: string | undefined;
  insufficientData?: InsufficientDataPolicy | undefined;
  continue?: boolean | undefined;
  routes?: RouteConfig[] | undefined;
}

export const RouteConfigSchema: z.ZodMiniType<RouteConfig> = z.strictObject({
  match: z.optional(MatcherSchema),
  receiver: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
  ...routeSettings,
  continue: z.optional(z.boolean()),
  get routes() {
    return z.optional(z.array(RouteConfigSchema));
  },
});

/** The root route matches every alarm and must name a receiver. */
export const RootRouteConfigSchema = z.strictObject({
  receiver: z.string().check(z.minLength(1, 'must not be empty')),
  ...routeSettings,
  routes: z.optional(z.array(RouteConfigSchema)),
});
export type RootRouteConfig = z.infer<typeof RootRouteConfigSchema>;

const BUILTIN_LABELS = ['alarmName', 'namespace', 'metric', 'account', 'region'] as const;
export type BuiltinLabel = (typeof BUILTIN_LABELS)[number];

/** True for the label names that are not tag keys. */
export function isBuiltinLabel(name: string): name is BuiltinLabel {
  return (BUILTIN_LABELS as readonly string[]).includes(name);
}

/**
 * A label compared by `equal`: alarmName, namespace, metric, account, region,
 * or a tag key. `tags.<key>` names a tag explicitly (for a tag called
 * `region`, say).
 */
export const LabelNameSchema = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.refine((name) => name !== 'tags.', 'name the tag after "tags.", e.g. "tags.pipeline"'),
  );

export const InhibitRuleSchema = z.strictObject({
  source: MatcherSchema,
  target: MatcherSchema,
  equal: z
    .array(LabelNameSchema)
    .check(z.minLength(1, 'list at least one label that source and target must share, e.g. [pipeline]')),
});
export type InhibitRule = z.infer<typeof InhibitRuleSchema>;

const TimestampSchema = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with a zone, e.g. "2026-11-22T06:00:00Z"',
});

export const SilenceSchema = z.strictObject({
  match: MatcherSchema.check(
    z.refine(
      (m) => Object.keys(m).length > 0,
      'a silence needs at least one matcher; an empty match would silence every alarm',
    ),
  ),
  startsAt: TimestampSchema,
  endsAt: TimestampSchema,
  comment: z.string().check(z.minLength(1, 'say why the alarms are silenced')),
  createdBy: z.string().check(z.minLength(1, 'say who created the silence')),
});
export type Silence = z.infer<typeof SilenceSchema>;

export const PagingDefaultsSchema = z.strictObject({
  severity: z._default(SeveritySchema, 'critical'),
  insufficientData: z._default(InsufficientDataPolicySchema, 'ignore'),
  runbookUrl: z.optional(RunbookTemplateSchema),
});
export type PagingDefaults = z.infer<typeof PagingDefaultsSchema>;

export const PagingSchema = z.strictObject({
  defaults: z.prefault(PagingDefaultsSchema, {}),
  receivers: z.array(ReceiverConfigSchema).check(z.minLength(1, 'define at least one receiver')),
  route: RootRouteConfigSchema,
  inhibitRules: z._default(z.array(InhibitRuleSchema), []),
  silences: z._default(z.array(SilenceSchema), []),
});
export type Paging = z.infer<typeof PagingSchema>;
