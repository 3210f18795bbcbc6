// Every task of an experiment with its trials, read from the spans: what the task table, the comparison and an
// eval run's summary are made of. Two layouts are known:
// - tau2 ingest: a root row per task; a child span "trial N" per simulation (output.reward, metadata.trial,
//   termination_reason, agent_cost, duration, excluded_from_metrics).
// - evaluator runs (src/evals/runtime/runner.ts): a root row per case, its task span, and a score span per scorer.
//   An evaluator that runs several trials inside one case (sema4-demo) has "trial N" spans under the task span and
//   one scorer whose metadata.trials[i].score (and .reason) judges trial i: the scorer's own verdict, read back.
//   Otherwise the case is one trial, scored by its `reward` score or else its first scorer; cases with the same
//   task (metadata.task_id, else the same input) are the trials of that task.
import { prepared, type Db } from "../../recorder/localStore.js";
import type { TrialOutcome as MetricsTrial } from "../../metrics/tau2.js";
import { commonest, trialOutcome } from "../outcome.js";
import type { TrialOutcome } from "../schemas.js";
import { numberOr, stringOr, type ExperimentRecord } from "./records.js";

interface TrialRecord {
  index: number;
  trial: number | null;
  outcome: TrialOutcome;
  reward: number | null;
  spanId: string | null;
  durationSeconds: number | null;
  cost: number | null;
  termination: string | null;
  /** What the metrics see of it (tau2Metrics's input); null for a trial they leave out. */
  metrics: MetricsTrial | null;
}

export interface TaskRecord {
  taskId: string;
  rowId: string;
  rootSpanId: string;
  description: string | null;
  trials: TrialRecord[];
  cost: number | null;
  durationSeconds: number | null;
  termination: string | null;
}

export const DESCRIPTION_CHARS = 240;

// The first of these a row's input has: a question, tau2's task purpose or reason for the call, v1's instruction.
const DESCRIPTION_SQL = `substr(COALESCE(
    json_extract(input, '$.question'),
    json_extract(input, '$.description.purpose'),
    json_extract(input, '$.user_scenario.instructions.reason_for_call'),
    json_extract(input, '$.user_scenario.instructions.task_instructions'),
    json_extract(input, '$.instruction'),
    CASE WHEN json_type(input) = 'text' THEN json_extract(input, '$') END,
    substr(input, 1, ${DESCRIPTION_CHARS + 1})
  ), 1, ${DESCRIPTION_CHARS + 1})`;

interface RootRow {
  id: string;
  span_id: string;
  task_id: string | null;
  input_key: string | null;
  description: string | null;
  errored: number;
  error: string | null;
  scores: string | null;
  output_trials: string | null;
}

interface ChildRow {
  root_span_id: string;
  span_id: string;
  name: string;
  type: string | null;
  start: number | null;
  end: number | null;
  scores: string | null;
  trials_meta: string | null;
  trial: number | null;
  reward: number | null;
  termination: string | null;
  agent_cost: number | null;
  estimated_cost: number | null;
  duration: number | null;
  excluded: string | null;
}

/** The spans the task table needs besides the roots: trials and scores (index spans_trials). */
const CHILDREN_SQL = `
  SELECT root_span_id, span_id, name, type, start, "end", scores,
         json_extract(metadata, '$.trials') AS trials_meta,
         json_extract(metadata, '$.trial') AS trial,
         json_extract(output, '$.reward') AS reward,
         json_extract(metadata, '$.termination_reason') AS termination,
         json_extract(metadata, '$.agent_cost') AS agent_cost,
         json_extract(metrics, '$.estimated_cost') AS estimated_cost,
         json_extract(metadata, '$.duration') AS duration,
         json_extract(metadata, '$.excluded_from_metrics') AS excluded
  FROM spans
  WHERE object_type = 'experiment' AND object_id = ? AND parent_span_id IS NOT NULL
    AND (name GLOB 'trial *' OR type = 'score')
  ORDER BY start, rowid`;

const ROOTS_SQL = `
  SELECT id, span_id,
         json_extract(metadata, '$.task_id') AS task_id,
         CASE WHEN json_type(input, '$.id') = 'text' THEN json_extract(input, '$.id') ELSE substr(input, 1, 400) END AS input_key,
         ${DESCRIPTION_SQL} AS description,
         error IS NOT NULL AS errored, substr(error, 1, 300) AS error, scores,
         (SELECT json_group_array(json_object('error', json_extract(t.value, '$.error') IS NOT NULL,
                                              'sql', json_extract(t.value, '$.sql') IS NOT NULL))
            FROM json_each(spans.output, '$.trials') t
           WHERE json_type(spans.output, '$.trials') = 'array') AS output_trials
  FROM spans
  WHERE object_type = 'experiment' AND object_id = ? AND parent_span_id IS NULL
  ORDER BY created, rowid`;

export function loadTaskTrials(db: Db, experiment: ExperimentRecord): TaskRecord[] {
  const roots = prepared(db, ROOTS_SQL).all(experiment.id) as RootRow[];
  const children = prepared(db, CHILDREN_SQL).all(experiment.id) as ChildRow[];
  const byRoot = new Map<string, ChildRow[]>();
  for (const c of children) {
    let list = byRoot.get(c.root_span_id);
    if (!list) byRoot.set(c.root_span_id, (list = []));
    list.push(c);
  }
  const ingest = experiment.source === "ingest";
  const tasks = new Map<string, TaskRecord>();
  for (const root of roots) {
    const spans = byRoot.get(root.span_id) ?? [];
    const taskId = root.task_id ?? root.input_key ?? root.id;
    let task = tasks.get(taskId);
    if (!task) {
      task = {
        taskId,
        rowId: root.id,
        rootSpanId: root.span_id,
        description: excerpt(root.description),
        trials: [],
        cost: null,
        durationSeconds: null,
        termination: null,
      };
      tasks.set(taskId, task);
    }
    const trials = ingest ? ingestTrials(taskId, spans) : evalTrials(taskId, root, spans);
    for (const t of trials) task.trials.push({ ...t, index: task.trials.length });
  }
  for (const task of tasks.values()) {
    task.cost = sumOrNull(task.trials.map((t) => t.cost));
    task.durationSeconds = meanOrNull(task.trials.map((t) => t.durationSeconds));
    task.termination = commonest(task.trials.map((t) => t.termination));
  }
  return [...tasks.values()];
}

const trialNumber = (span: ChildRow): number | null => {
  if (span.trial !== null && Number.isInteger(Number(span.trial))) return Number(span.trial);
  const m = /^trial (\d+)$/.exec(span.name);
  return m ? Number(m[1]) : null;
};

const trialSpans = (spans: ChildRow[]) =>
  spans.filter((s) => /^trial \d+$/.test(s.name)).sort((a, b) => (trialNumber(a) ?? 0) - (trialNumber(b) ?? 0));

const seconds = (s: { start: number | null; end: number | null }) =>
  s.start !== null && s.end !== null && s.end >= s.start ? s.end - s.start : null;

function ingestTrials(taskId: string, spans: ChildRow[]): Omit<TrialRecord, "index">[] {
  return trialSpans(spans).map((s) => {
    const reward = numberOr(s.reward);
    const excluded = s.excluded !== null;
    const termination = stringOr(s.termination);
    return {
      trial: trialNumber(s),
      outcome: trialOutcome({ reward, excluded }),
      reward,
      spanId: s.span_id,
      durationSeconds: numberOr(s.duration) ?? seconds(s),
      cost: numberOr(s.agent_cost),
      termination,
      // Exactly what the ingest gave tau2Metrics: the metrics apply their own rule to infrastructure errors.
      metrics: { taskId, reward, termination, trial: trialNumber(s) },
    };
  });
}

function evalTrials(taskId: string, root: RootRow, spans: ChildRow[]): Omit<TrialRecord, "index">[] {
  const trials = trialSpans(spans);
  const scorers = spans.filter((s) => s.type === "score");
  const perTrial = scorers.map((s) => parseArray(s.trials_meta)).find((t) => t !== undefined);
  const outputs = parseArray(root.output_trials) as { error: number; sql: number }[] | undefined;
  if (perTrial) {
    return perTrial.map((verdict, i) => {
      const v = (verdict ?? {}) as { score?: unknown; reason?: unknown };
      const reward = numberOr(v.score);
      const out = outputs?.[i];
      const errored = !!out && !!out.error && !out.sql;
      return evalTrial(taskId, trials[i], { reward, excluded: reward === null, errored }, stringOr(v.reason));
    });
  }
  const reward = primaryScore(root, scorers);
  const errored = root.errored === 1;
  // A case that threw has no scores: each of its trials errored. One that was not judged leaves its trials out.
  const facts = { reward: errored ? null : reward, excluded: !errored && reward === null, errored };
  const termination = errored ? "error" : null;
  if (trials.length === 0) return [{ ...evalTrial(taskId, undefined, facts, termination), spanId: root.span_id }];
  return trials.map((span) => evalTrial(taskId, span, facts, termination));
}

function evalTrial(
  taskId: string,
  span: ChildRow | undefined,
  facts: { reward: number | null; excluded: boolean; errored: boolean },
  termination: string | null,
): Omit<TrialRecord, "index"> {
  const outcome = trialOutcome(facts);
  return {
    trial: span ? trialNumber(span) : null,
    outcome,
    reward: facts.reward,
    spanId: span?.span_id ?? null,
    durationSeconds: span ? seconds(span) : null,
    cost: span ? numberOr(span.estimated_cost) : null,
    termination,
    metrics: outcome === "excluded" ? null : { taskId, reward: facts.reward, termination: null, trial: null },
  };
}

/** A case's one score: its `reward` score, else the first scorer's (in the order the scorers ran). */
function primaryScore(root: RootRow, scorers: ChildRow[]): number | null {
  const own = parseObject(root.scores);
  if (own && "reward" in own) return numberOr(own.reward);
  for (const s of scorers) {
    const scores = parseObject(s.scores);
    if (scores) for (const v of Object.values(scores)) return numberOr(v);
  }
  if (own) for (const v of Object.values(own)) return numberOr(v);
  return null;
}

function parseArray(text: string | null): unknown[] | undefined {
  if (!text) return undefined;
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v : undefined;
}

function parseObject(text: string | null): Record<string, unknown> | undefined {
  if (!text) return undefined;
  const v: unknown = JSON.parse(text);
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function excerpt(text: string | null | undefined, chars = DESCRIPTION_CHARS): string | null {
  if (typeof text !== "string" || text === "") return null;
  return text.length > chars ? `${text.slice(0, chars)}…` : text;
}

export function sumOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((s, v) => s + v, 0) : null;
}

export function meanOrNull(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? known.reduce((s, v) => s + v, 0) / known.length : null;
}
