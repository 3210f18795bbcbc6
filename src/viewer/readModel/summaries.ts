// One line of the experiment list: an experiment's headline numbers. A tau2 ingest stored its own (tau2_metrics:
// avg reward and pass^k with intervals, costs, durations); an evaluator's run has them computed once from its
// trials (taskTrials.ts), then kept while the experiment's spans stay as they are (a fingerprint of its rows).
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { BOOTSTRAP_DEFAULTS, runIntervals } from "../../metrics/bootstrap.js";
import { tau2Metrics, type Tau2Metrics } from "../../metrics/tau2.js";
import type { Db } from "../../recorder/localStore.js";
import { viewerLinks } from "../links.js";
import type { ExperimentSummary, PassHatKPoint } from "../schemas.js";
import { numberOr, stringOr, tau2MetricsOf, type ExperimentRecord } from "./records.js";
import { loadTaskTrials, meanOrNull, sumOrNull, type TaskRecord } from "./taskTrials.js";

/** The numbers that need the spans: computed per experiment, kept until its rows change. */
type Computed = Omit<ExperimentSummary, "id" | "project" | "name" | "created" | "dataset" | "url" | "source"> & {
  terminations: Record<string, number>;
};

const FINGERPRINT_SQL = `
  SELECT (SELECT COUNT(*) || ':' || IFNULL(MAX(rowid), 0) FROM spans
           WHERE object_type = 'experiment' AND object_id = @id AND parent_span_id IS NULL) || '/' ||
         (SELECT COUNT(*) || ':' || IFNULL(MAX(rowid), 0) FROM spans
           WHERE object_type = 'experiment' AND object_id = @id AND parent_span_id IS NOT NULL
             AND (name GLOB 'trial *' OR type = 'score')) AS fingerprint`;

const ROOT_STATS_SQL = `
  SELECT COUNT(*) AS tasks, MAX(json_extract(metrics, '$.trials')) AS max_trials
  FROM spans WHERE object_type = 'experiment' AND object_id = ? AND parent_span_id IS NULL`;

// A trace's score is its root row's; a trace whose root has none takes the mean of its score spans'.
const SCORE_MEANS_SQL = `
  WITH span_scores AS (
    SELECT s.root_span_id, j.key AS name, j.value AS value, 1 AS is_root
      FROM spans s, json_each(s.scores) j
     WHERE s.object_type = 'experiment' AND s.object_id = @id AND s.parent_span_id IS NULL AND j.type IN ('integer', 'real')
    UNION ALL
    SELECT s.root_span_id, j.key, j.value, 0
      FROM spans s, json_each(s.scores) j
     WHERE s.object_type = 'experiment' AND s.object_id = @id AND s.parent_span_id IS NOT NULL
       AND (s.name GLOB 'trial *' OR s.type = 'score') AND s.type = 'score' AND j.type IN ('integer', 'real')
  ), per_trace AS (
    SELECT name, COALESCE(MAX(CASE WHEN is_root THEN value END), AVG(value)) AS value FROM span_scores GROUP BY root_span_id, name
  )
  SELECT name, AVG(value) AS mean FROM per_trace GROUP BY name ORDER BY name`;

/**
 * What the viewer computes from an experiment's spans (its tasks' trials, its headline numbers), kept per experiment
 * while a fingerprint of its rows stays the same: the count and last row of its roots and of its trial and score
 * spans (both read from partial indexes), and its metadata (a re-ingest rewrites it).
 */
export class ExperimentCache {
  private readonly numbersByKey = new LRUCache<string, Computed>({ max: 5_000 });
  // A 114-task × 20-trial run is a few thousand small objects: a few such runs are plenty.
  private readonly tasksByKey = new LRUCache<string, TaskRecord[]>({ max: 32 });

  constructor(private readonly db: () => Db) {}

  summary(record: ExperimentRecord): ExperimentSummary {
    return { ...identity(record), ...publicPart(this.numbers(record)) };
  }

  /** The summary and the termination counts. */
  detail(record: ExperimentRecord): ExperimentSummary & { terminations: Record<string, number> } {
    const numbers = this.numbers(record);
    return { ...identity(record), ...publicPart(numbers), terminations: numbers.terminations };
  }

  tasks(record: ExperimentRecord): TaskRecord[] {
    const key = this.key(record);
    let tasks = this.tasksByKey.get(key);
    if (!tasks) this.tasksByKey.set(key, (tasks = loadTaskTrials(this.db(), record)));
    return tasks;
  }

  private numbers(record: ExperimentRecord): Computed {
    const key = this.key(record);
    let numbers = this.numbersByKey.get(key);
    if (!numbers) {
      numbers = record.source === "ingest" ? ingestNumbers(this.db(), record) : trialNumbers(this.db(), record, this.tasks(record));
      this.numbersByKey.set(key, numbers);
    }
    return numbers;
  }

  private key(record: ExperimentRecord): string {
    const { fingerprint } = this.db().prepare(FINGERPRINT_SQL).get({ id: record.id }) as { fingerprint: string };
    const metadata = createHash("sha1").update(JSON.stringify(record.metadata)).digest("base64");
    return `${record.id}\u0000${fingerprint}\u0000${metadata}`;
  }
}

function identity(record: ExperimentRecord) {
  return {
    id: record.id,
    project: record.project,
    name: record.name,
    created: record.created,
    dataset: record.dataset,
    source: record.source,
    url: viewerLinks.experiment(record.id),
  };
}

function publicPart({ terminations: _t, ...rest }: Computed): Omit<Computed, "terminations"> {
  return rest;
}

function scoreMeans(db: Db, id: string): Record<string, number> {
  const rows = db.prepare(SCORE_MEANS_SQL).all({ id }) as { name: string; mean: number }[];
  return Object.fromEntries(rows.map((r) => [r.name, r.mean]));
}

function ingestNumbers(db: Db, record: ExperimentRecord): Computed {
  const m = tau2MetricsOf(record)!;
  const meta = record.metadata;
  const roots = db.prepare(ROOT_STATS_SQL).get(record.id) as { tasks: number; max_trials: number | null };
  const passHatK: PassHatKPoint[] = [];
  for (let k = 1; k <= m.max_k; k++) {
    const value = m.pass_hat_k[String(k)];
    if (value !== undefined) passHatK.push({ k, value, ci: m.ci.pass_hat_k[String(k)] ?? null });
  }
  return {
    domain: stringOr(meta.domain),
    agentModel: stringOr(meta.agent_model),
    userModel: stringOr(meta.user_model),
    evaluator: null,
    tasks: roots.tasks,
    trials: m.evaluated + m.infrastructure_errors,
    maxTrials: roots.max_trials ?? m.max_k,
    avgReward: m.avg_reward === null ? null : { value: m.avg_reward, ci: m.ci.avg_reward },
    passHatK,
    scores: scoreMeans(db, record.id),
    cost: m.cost.total_agent_cost,
    durationSeconds: m.duration.avg_seconds,
    terminations: m.terminations,
  };
}

/** tau2's metrics over an evaluator run's trials (the tau2 rule: each task's own trial count). */
export function metricsOfTasks(record: ExperimentRecord, tasks: readonly TaskRecord[]): Tau2Metrics {
  const outcomes = tasks.flatMap((t) => t.trials.flatMap((trial) => (trial.metrics ? [trial.metrics] : [])));
  const tau2 = tau2MetricsOf(record);
  if (tau2) {
    const numTrials = numberOr(record.metadata.num_trials);
    return tau2Metrics(outcomes, { rule: tau2.rule === "tau-bench-v1" ? "tau-bench-v1" : "tau2", numTrials });
  }
  return tau2Metrics(outcomes, { rule: "tau2", numTrials: null });
}

function trialNumbers(db: Db, record: ExperimentRecord, tasks: TaskRecord[]): Computed {
  const metrics = metricsOfTasks(record, tasks);
  const intervals = runIntervals(metrics.perTask, metrics.maxK, BOOTSTRAP_DEFAULTS);
  const meta = record.metadata;
  const trials = tasks.flatMap((t) => t.trials);
  const terminations: Record<string, number> = {};
  for (const t of trials) if (t.termination) terminations[t.termination] = (terminations[t.termination] ?? 0) + 1;
  return {
    domain: null,
    agentModel: stringOr(meta.model) ?? stringOr(meta.agent_model),
    userModel: null,
    evaluator: stringOr(meta.evaluator),
    tasks: tasks.length,
    trials: trials.length,
    maxTrials: Math.max(0, ...tasks.map((t) => t.trials.length)),
    avgReward: metrics.avgReward === null ? null : { value: metrics.avgReward, ci: intervals.avgReward },
    passHatK: Object.entries(metrics.passHatK).map(([k, value]) => ({ k: Number(k), value, ci: intervals.passHatK[k] ?? null })),
    scores: scoreMeans(db, record.id),
    cost: sumOrNull(trials.map((t) => t.cost)),
    durationSeconds: meanOrNull(trials.map((t) => t.durationSeconds)),
    terminations,
  };
}
