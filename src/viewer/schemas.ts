// The viewer's data API (/api/*): every route's query and answer, shared by the server (route schemas) and the
// pages (typed fetches). Browser-safe: zod only, no node imports. Field names are the API: add fields, never
// rename or remove one (the pages of an older build may still be open).
import { z } from "zod";

// ---- building blocks ------------------------------------------------------------------------------------------

/** A 95% percentile-bootstrap interval over tasks, [low, high]. */
const intervalSchema = z.tuple([z.number(), z.number()]);

/** A point estimate and its interval (null when there are too few tasks to resample). */
const estimateSchema = z.object({ value: z.number(), ci: intervalSchema.nullable() });

/** pass^k at one k: the chance that k trials of a task drawn at random all pass, averaged over tasks. */
const passHatKPointSchema = z.object({ k: z.number().int().min(1), value: z.number(), ci: intervalSchema.nullable() });
export type PassHatKPoint = z.infer<typeof passHatKPointSchema>;

/**
 * One trial's outcome: "passed" (reward 1), "failed" (reward 0), "partial" (in between), "errored" (the trial
 * produced no reward or no answer: it threw, timed out, or the run recorded no reward), "excluded" (left out of
 * the metrics: tau2's infrastructure errors, a case whose gold answer could not be computed).
 */
const trialOutcomeSchema = z.enum(["passed", "failed", "partial", "errored", "excluded"]);
export type TrialOutcome = z.infer<typeof trialOutcomeSchema>;

/** Where an experiment came from: tau2 ingest, `npm run eval`, or anything else that wrote to the store. */
const experimentSourceSchema = z.enum(["ingest", "eval", "other"]);
export type ExperimentSource = z.infer<typeof experimentSourceSchema>;

const objectTypeSchema = z.enum(["experiment", "project_logs"]);
export type ObjectType = z.infer<typeof objectTypeSchema>;

const datasetRefSchema = z.object({ id: z.string(), name: z.string() });

const pageQuery = (defaultLimit: number, maxLimit: number) => ({
  limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
  offset: z.coerce.number().int().min(0).default(0),
});

/** A text filter: case-insensitive substring; empty means none. */
const textQuery = z.string().trim().max(200).optional();

// ---- GET /api/experiments -------------------------------------------------------------------------------------

export const experimentsQuerySchema = z.object({
  project: z.string().min(1).max(500).optional(),
  /** A dataset id. */
  dataset: z.string().min(1).max(500).optional(),
  /** Matches the name, the agent model, the domain and the dataset name. */
  q: textQuery,
  ...pageQuery(50, 200),
});
export type ExperimentsQuery = z.infer<typeof experimentsQuerySchema>;

export const experimentSummarySchema = z.object({
  id: z.string(),
  project: z.string(),
  name: z.string(),
  /** ISO 8601. */
  created: z.string(),
  dataset: datasetRefSchema.nullable(),
  /** tau2's domain (airline, retail, telecom …); null for other experiments. */
  domain: z.string().nullable(),
  agentModel: z.string().nullable(),
  /** tau2's user simulator. */
  userModel: z.string().nullable(),
  source: experimentSourceSchema,
  /** The evaluator an eval experiment ran (source "eval"). */
  evaluator: z.string().nullable(),
  /** Distinct tasks (cases). */
  tasks: z.number().int(),
  /** Trials over all tasks (tau2: simulations, infrastructure errors included). */
  trials: z.number().int(),
  /** The most trials any one task has: the width of the task table. */
  maxTrials: z.number().int(),
  /**
   * Mean reward over the trials that count. Ingest: tau2's own number with its interval, as the ingest computed
   * it. Eval: the mean per-trial score (for sema4-demo, execution accuracy) with a bootstrap interval over tasks.
   */
  avgReward: estimateSchema.nullable(),
  /** pass^1 … pass^maxK, same sources as avgReward; empty when no task has a trial that counts. */
  passHatK: z.array(passHatKPointSchema),
  /** Row means of the scores the rows carry (eval: sql_correctness, pass_at_k, pass_exp_k …; ingest: reward, pass^k …). */
  scores: z.record(z.string(), z.number()),
  /** The agent's cost over all trials, USD; null when nothing recorded a cost. */
  cost: z.number().nullable(),
  /** Mean seconds of one trial; null when no trial has a duration. */
  durationSeconds: z.number().nullable(),
  /** The viewer page: "/ui/experiments/<id>". */
  url: z.string(),
});
export type ExperimentSummary = z.infer<typeof experimentSummarySchema>;

/** What the store holds, per project and dataset: the groups and filter choices of the list page. */
const experimentGroupSchema = z.object({
  project: z.string(),
  dataset: datasetRefSchema.nullable(),
  experiments: z.number().int(),
});

export const experimentListSchema = z.object({
  /** Newest first. */
  experiments: z.array(experimentSummarySchema),
  /** Experiments matching the filters (the page is `limit` of them from `offset`). */
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  /** Every (project, dataset) of the store, whatever the filters. */
  groups: z.array(experimentGroupSchema),
});
export type ExperimentList = z.infer<typeof experimentListSchema>;

// ---- GET /api/experiments/:id ---------------------------------------------------------------------------------

export const experimentParamsSchema = z.object({ id: z.string().min(1).max(500) });

export const experimentDetailSchema = z.object({
  experiment: experimentSummarySchema.extend({
    description: z.string().nullable(),
    /** The experiment's metadata, long values cut (see `truncated`). */
    metadata: z.unknown(),
    metadataTruncated: z.boolean(),
    /** The interval's confidence (0.95). */
    confidence: z.number(),
    /** Trials per termination reason (tau2's termination_reason; eval: the scorer's reason, "error" for a case that threw). */
    terminations: z.record(z.string(), z.number().int()),
  }),
});
export type ExperimentDetail = z.infer<typeof experimentDetailSchema>;

// ---- GET /api/experiments/:id/tasks ---------------------------------------------------------------------------

const taskFilterSchema = z.enum(["all", "failing", "flaky", "passing"]);
export type TaskFilter = z.infer<typeof taskFilterSchema>;
const taskSortSchema = z.enum(["task", "success", "cost", "duration"]);
export type TaskSort = z.infer<typeof taskSortSchema>;

export const tasksQuerySchema = z.object({
  /** "failing": no trial that counts passed; "flaky": some passed, some did not; "passing": every one passed. */
  filter: taskFilterSchema.default("all"),
  /** Matches the task id and its description. */
  q: textQuery,
  sort: taskSortSchema.default("task"),
  order: z.enum(["asc", "desc"]).default("asc"),
  ...pageQuery(200, 500),
});
export type TasksQuery = z.infer<typeof tasksQuerySchema>;

const trialCellSchema = z.object({
  /** Position among the task's trials, from 0. */
  index: z.number().int(),
  /** The trial number the run recorded (tau2's `trial`), when it did. */
  trial: z.number().int().nullable(),
  outcome: trialOutcomeSchema,
  reward: z.number().nullable(),
  /** The trial's span in the row's trace: `/ui/traces/experiment/<experiment>/<rootSpanId>?span=<spanId>`. */
  spanId: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  cost: z.number().nullable(),
  /** Why the trial ended (tau2: user_stop, max_steps, …; eval: the scorer's reason, e.g. equal, no_sql). */
  termination: z.string().nullable(),
});

const taskRowSchema = z.object({
  taskId: z.string(),
  /** The experiment row (root span) of the task; for eval runs with one row per trial, the first. */
  rowId: z.string(),
  rootSpanId: z.string(),
  /** The start of the task's description or question (at most 240 characters). */
  description: z.string().nullable(),
  /** Passed trials over trials that count; null when none counts. */
  successRate: z.number().nullable(),
  passed: z.number().int(),
  counted: z.number().int(),
  trials: z.array(trialCellSchema),
  /** The task's cost over its trials, USD. */
  cost: z.number().nullable(),
  /** Mean seconds of its trials. */
  durationSeconds: z.number().nullable(),
  /** The commonest termination reason among its trials. */
  termination: z.string().nullable(),
});
export type TaskRow = z.infer<typeof taskRowSchema>;

export const taskPageSchema = z.object({
  tasks: z.array(taskRowSchema),
  /** Tasks matching filter and q. */
  total: z.number().int(),
  /** Tasks of the experiment, whatever the filters. */
  totalTasks: z.number().int(),
  /** Counts per filter (for the filter buttons), over the whole experiment. */
  counts: z.object({ failing: z.number().int(), flaky: z.number().int(), passing: z.number().int() }),
  maxTrials: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type TaskPage = z.infer<typeof taskPageSchema>;

// ---- GET /api/traces/:objectType/:objectId/:rootSpanId and …/:rootSpanId/spans/:spanId ---------------------------

export const traceParamsSchema = z.object({
  objectType: objectTypeSchema,
  /** The experiment id, or the project name for project logs. */
  objectId: z.string().min(1).max(500),
  rootSpanId: z.string().min(1).max(200),
});
export const traceQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(2000).default(2000),
  /**
   * Only the spans under this one (it included): one trial of a tau2 task, say. The fewer the spans, the larger
   * the share of the answer each field may take, so a subtree's content comes back with far less cut.
   */
  under: z.string().min(1).max(200).optional(),
});
export type TraceQuery = z.infer<typeof traceQuerySchema>;
/** One span of a trace (its root span id keeps the look-up on the store's trace index). */
export const spanParamsSchema = traceParamsSchema.extend({ spanId: z.string().min(1).max(200) });

/** The fields of a span whose value may be cut (see `truncated`). */
const spanFieldSchema = z.enum(["input", "output", "expected", "error", "metadata"]);
export type SpanField = z.infer<typeof spanFieldSchema>;

const spanSchema = z.object({
  /** The row id. */
  id: z.string(),
  spanId: z.string(),
  rootSpanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string().nullable(),
  /** eval, task, llm, tool, score, … */
  type: z.string().nullable(),
  /** Seconds since the epoch. */
  start: z.number().nullable(),
  end: z.number().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  expected: z.unknown(),
  error: z.unknown(),
  metadata: z.unknown(),
  scores: z.record(z.string(), z.number().nullable()).nullable(),
  metrics: z.record(z.string(), z.number()).nullable(),
  /**
   * The fields whose value was cut to fit: long strings end in "…", long arrays and objects keep their first
   * entries and say how many more there were ("…": "+N more"), and a value too large to read is its JSON text's
   * beginning, as a string. GET /api/traces/…/spans/:spanId gives one span with far larger bounds.
   */
  truncated: z.array(spanFieldSchema),
});
export type Span = z.infer<typeof spanSchema>;

/** How the trace's content reads best: a tau2 conversation, an agent run, or an eval case. */
const traceKindSchema = z.enum(["tau2", "agent", "eval"]);
export type TraceKind = z.infer<typeof traceKindSchema>;

export const traceSchema = z.object({
  objectType: objectTypeSchema,
  objectId: z.string(),
  rootSpanId: z.string(),
  kind: traceKindSchema,
  /** In start order (the root first); a parent always comes before its children. */
  spans: z.array(spanSchema),
  /** Spans of the trace. */
  total: z.number().int(),
  /** More spans than `limit`: those past it (in the order of `spans`) were left out. */
  truncated: z.boolean(),
  /** The experiment this trace belongs to (null for project logs). */
  experiment: z.object({ id: z.string(), name: z.string(), project: z.string() }).nullable(),
});
export type Trace = z.infer<typeof traceSchema>;

export const spanDetailSchema = z.object({ span: spanSchema });
export type SpanDetail = z.infer<typeof spanDetailSchema>;

// ---- GET /api/logs --------------------------------------------------------------------------------------------

export const logsQuerySchema = z.object({
  project: z.string().min(1).max(500).optional(),
  /** Matches the question and the answer. */
  q: textQuery,
  ...pageQuery(50, 200),
});
export type LogsQuery = z.infer<typeof logsQuerySchema>;

/**
 * "passed"/"failed": a scored run (a built-in task) whose sql_correctness is 1/0; "answered": an unscored run that
 * ended with an accepted query; "no_answer": it ended without one (retries, steps or time used up); "errored": it
 * stopped on an error (model endpoint, cancellation).
 */
const runOutcomeSchema = z.enum(["passed", "failed", "answered", "no_answer", "errored"]);
export type RunOutcome = z.infer<typeof runOutcomeSchema>;

export const agentRunSchema = z.object({
  /** The row id of the run's root span. */
  id: z.string(),
  rootSpanId: z.string(),
  project: z.string(),
  /** ISO 8601. */
  created: z.string(),
  /** At most 240 characters each. */
  question: z.string().nullable(),
  answer: z.string().nullable(),
  sql: z.string().nullable(),
  taskId: z.string().nullable(),
  model: z.string().nullable(),
  outcome: runOutcomeSchema,
  error: z.string().nullable(),
  /** Model calls, tool calls and submissions. */
  steps: z.number().int().nullable(),
  tokens: z.number().int().nullable(),
  cost: z.number().nullable(),
  durationSeconds: z.number().nullable(),
  score: z.number().nullable(),
  /** The viewer page of its trace. */
  traceUrl: z.string(),
});
export type AgentRun = z.infer<typeof agentRunSchema>;

export const logPageSchema = z.object({
  /** Newest first. */
  runs: z.array(agentRunSchema),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  /** Projects that have logs. */
  projects: z.array(z.string()),
});
export type LogPage = z.infer<typeof logPageSchema>;

// ---- GET /api/compare -----------------------------------------------------------------------------------------

const MAX_CANDIDATES = 4;

const idList = z
  .union([z.string().min(1).max(500), z.array(z.string().min(1).max(500))])
  .transform((v) => [v].flat());

export const compareQuerySchema = z.object({
  baseline: z.string().min(1).max(500),
  /** One or more (repeat the parameter), at most MAX_CANDIDATES. */
  candidate: idList.pipe(z.array(z.string()).min(1).max(MAX_CANDIDATES)),
  /** Only tasks whose outcome changed, or that one run lacks. */
  differencesOnly: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** Tasks per run in `runs` and rows per comparison. */
  ...pageQuery(500, 500),
});
export type CompareQuery = z.infer<typeof compareQuerySchema>;

/** A heatmap cell: one trial of one task in one run. */
const outcomeCellSchema = z.object({
  outcome: trialOutcomeSchema,
  reward: z.number().nullable(),
  spanId: z.string().nullable(),
});

const runTaskSchema = z.object({
  rootSpanId: z.string(),
  successRate: z.number().nullable(),
  trials: z.array(outcomeCellSchema),
});
export type RunTask = z.infer<typeof runTaskSchema>;

const comparisonStatisticSchema = z.object({
  /** "avg_reward", or "pass^k". */
  name: z.string(),
  k: z.number().int().nullable(),
  /** The statistic of each run on the shared tasks, and candidate − baseline with its paired interval. */
  baseline: z.number(),
  candidate: z.number(),
  difference: z.number(),
  ci: intervalSchema.nullable(),
  /** The interval leaves out 0. */
  significant: z.boolean(),
});

/** "better"/"worse": avg_reward's paired interval lies above/below 0; otherwise "could be noise". */
const verdictSchema = z.enum(["better", "worse", "could be noise"]);

const taskChangeStatusSchema = z.enum(["improved", "regressed", "changed", "same", "only_baseline", "only_candidate"]);
export type TaskChangeStatus = z.infer<typeof taskChangeStatusSchema>;

const compareRowSchema = z.object({
  taskId: z.string(),
  description: z.string().nullable(),
  baselineRate: z.number().nullable(),
  candidateRate: z.number().nullable(),
  /** candidateRate − baselineRate; null for a task of one run only. */
  change: z.number().nullable(),
  /**
   * "improved"/"regressed": the success rate crossed one half (as the ingest's comparison counts them);
   * "changed": it moved without crossing; "same": it did not move.
   */
  status: taskChangeStatusSchema,
});
export type CompareRow = z.infer<typeof compareRowSchema>;

const candidateComparisonSchema = z.object({
  candidate: experimentSummarySchema,
  sharedTasks: z.number().int(),
  /** Task ids of one run only (at most `limit` each; the counts are complete). */
  onlyBaseline: z.array(z.string()),
  onlyCandidate: z.array(z.string()),
  onlyBaselineCount: z.number().int(),
  onlyCandidateCount: z.number().int(),
  /** avg_reward, then pass^1 … pass^k (k up to the smaller max k of the two). */
  statistics: z.array(comparisonStatisticSchema),
  verdict: verdictSchema,
  /**
   * The smallest true change of the success rate that these tasks and trials would show as significant 80% of
   * the time (two-sided 5%); null without shared tasks. See the README, "Comparing runs".
   */
  minimumDetectableDifference: z.number().nullable(),
  improved: z.array(compareRowSchema),
  regressed: z.array(compareRowSchema),
  /** Sorted by change: the largest regressions first, then the largest improvements, then the rest. */
  rows: z.array(compareRowSchema),
  rowsTotal: z.number().int(),
});
export type CandidateComparison = z.infer<typeof candidateComparisonSchema>;

export const comparisonSchema = z.object({
  baseline: experimentSummarySchema,
  comparisons: z.array(candidateComparisonSchema),
  /** Per experiment id (the baseline and each candidate): its tasks' trials, for the heatmaps. */
  runs: z.record(z.string(), z.record(z.string(), runTaskSchema)),
  confidence: z.number(),
});
export type Comparison = z.infer<typeof comparisonSchema>;
