// tau2-bench's own agent metrics (src/tau2/metrics/agent_metrics.py), and tau-bench v1's variant, over one run.
import { isSuccess, passAtK, passHatK } from "./passk.js";

/** One simulation as the metrics see it. */
export interface TrialOutcome {
  taskId: string;
  /** null when the simulation has no reward (counts as a failure, and is left out of avg_reward). */
  reward: number | null;
  termination?: string | null;
  /** tau-bench v1 counts trials by their distinct values. */
  trial?: number | null;
}

/**
 * "tau2": infrastructure errors dropped, each task's own trial count, k capped at the smallest count.
 * "tau-bench-v1": one global trial count (distinct trial values) as every task's n, no exclusions, no cap.
 */
export type MetricsRule = "tau2" | "tau-bench-v1";

export interface TaskStats {
  taskId: string;
  /** Simulations that count (infrastructure errors excluded under the tau2 rule). */
  trials: number;
  successes: number;
  /** Sum and count of the non-null rewards, for avg_reward over simulations. */
  rewardSum: number;
  rewardCount: number;
  /** The n the pass^k estimator uses for this task. */
  n: number;
}

export interface Tau2Metrics {
  rule: MetricsRule;
  /** Every simulation given, including infrastructure errors. */
  simulations: number;
  infrastructureErrors: number;
  /** Tasks with at least one simulation that counts. */
  tasks: number;
  maxK: number;
  /** Mean reward over the simulations that count (null rewards skipped); null when there are none. */
  avgReward: number | null;
  /** pass^k for k = 1..maxK, keyed "1".."maxK". */
  passHatK: Record<string, number>;
  perTask: TaskStats[];
}

export const INFRASTRUCTURE_ERROR = "infrastructure_error";

export interface MetricsOptions {
  rule: MetricsRule;
  /** The requested trial count (tau2's info.num_trials); null when the file does not say. */
  numTrials: number | null;
}

export function tau2Metrics(outcomes: readonly TrialOutcome[], options: MetricsOptions): Tau2Metrics {
  const byTask = new Map<string, TaskStats>();
  let infrastructureErrors = 0;
  const trialValues = new Set<number>();
  for (const o of outcomes) {
    if (options.rule === "tau2" && o.termination === INFRASTRUCTURE_ERROR) {
      infrastructureErrors++;
      continue;
    }
    if (o.trial !== undefined && o.trial !== null) trialValues.add(o.trial);
    let stats = byTask.get(o.taskId);
    if (!stats) {
      stats = { taskId: o.taskId, trials: 0, successes: 0, rewardSum: 0, rewardCount: 0, n: 0 };
      byTask.set(o.taskId, stats);
    }
    stats.trials++;
    if (o.reward !== null && Number.isFinite(o.reward)) {
      stats.rewardSum += o.reward;
      stats.rewardCount++;
      if (isSuccess(o.reward)) stats.successes++;
    }
  }
  const perTask = [...byTask.values()];
  let maxK: number;
  if (options.rule === "tau-bench-v1") {
    maxK = trialValues.size > 0 ? trialValues.size : Math.max(0, ...perTask.map((t) => t.trials));
    for (const t of perTask) t.n = maxK;
  } else {
    const fewest = perTask.length > 0 ? Math.min(...perTask.map((t) => t.trials)) : 0;
    maxK = options.numTrials !== null && options.numTrials > 0 ? Math.min(options.numTrials, fewest) : fewest;
    for (const t of perTask) t.n = t.trials;
  }
  const passHat: Record<string, number> = {};
  for (let k = 1; k <= maxK; k++) passHat[String(k)] = mean(perTask.map((t) => taskPassHatK(t, k)));
  const rewardSum = perTask.reduce((s, t) => s + t.rewardSum, 0);
  const rewardCount = perTask.reduce((s, t) => s + t.rewardCount, 0);
  return {
    rule: options.rule,
    simulations: outcomes.length,
    infrastructureErrors,
    tasks: perTask.length,
    maxK,
    avgReward: rewardCount > 0 ? rewardSum / rewardCount : null,
    passHatK: passHat,
    perTask,
  };
}

/** pass^k of one task: C(c, k) / C(n, k), with v1's global n possibly below a task's own successes. */
export function taskPassHatK(t: TaskStats, k: number): number {
  return passHatK(t.n, Math.min(t.successes, t.n), k);
}

export function taskPassAtK(t: TaskStats, k: number): number {
  return passAtK(t.n, Math.min(t.successes, t.n), k);
}

/** A task's mean reward over its simulations with a reward; null when none has one. */
export function taskMeanReward(t: TaskStats): number | null {
  return t.rewardCount > 0 ? t.rewardSum / t.rewardCount : null;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}
