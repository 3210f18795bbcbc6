// The numbers a run reports: tau2's (avg reward over simulations, pass^k), bootstrap intervals, costs, durations,
// terminations; and paired comparisons between the runs of one request.
import { BOOTSTRAP_DEFAULTS, runIntervals, type BootstrapOptions, type Interval } from "../../metrics/bootstrap.js";
import { pairedComparison, type PairedComparison, type TaskChange } from "../../metrics/paired.js";
import { INFRASTRUCTURE_ERROR, tau2Metrics, type Tau2Metrics } from "../../metrics/tau2.js";
import type { Run } from "./groupRuns.js";

export interface RunMetricsReport {
  avg_reward: number | null;
  pass_hat_k: Record<string, number>;
  max_k: number;
  ci: {
    confidence: number;
    iterations: number;
    seed: number;
    avg_reward: Interval | null;
    pass_hat_k: Record<string, Interval>;
  };
  /** USD per conversation; null when no simulation has a cost. */
  cost: { avg_agent_cost: number | null; total_agent_cost: number | null; avg_user_cost: number | null };
  duration: { avg_seconds: number | null; total_seconds: number | null };
  turns: { avg: number | null };
  terminations: Record<string, number>;
  /** Simulations that count, and infrastructure errors left out (tau2 rule). */
  evaluated: number;
  infrastructure_errors: number;
  /** How pass^k was computed: "tau2" (per-task n, k capped) or "tau-bench-v1" (global n). */
  rule: string;
}

interface ComparisonStatisticReport {
  baseline: number;
  candidate: number;
  difference: number;
  ci: Interval | null;
  significant: boolean;
}

export interface ComparisonReport {
  baseline: string;
  candidate: string;
  shared_tasks: number;
  only_baseline: number;
  only_candidate: number;
  /** candidate − baseline for "avg_reward" and "pass^1".."pass^k" (k up to the smaller max_k). */
  statistics: Record<string, ComparisonStatisticReport>;
  improved: { task_id: string; baseline: number; candidate: number }[];
  regressed: { task_id: string; baseline: number; candidate: number }[];
}

export function summarizeRun(run: Run, bootstrap: BootstrapOptions = {}): { metrics: Tau2Metrics; report: RunMetricsReport } {
  const metrics = tau2Metrics(
    run.simulations.map((s) => ({ taskId: s.taskId, reward: s.reward, termination: s.termination, trial: s.trial })),
    { rule: run.header.rule, numTrials: run.header.numTrials },
  );
  const options = { ...BOOTSTRAP_DEFAULTS, ...bootstrap };
  const intervals = runIntervals(metrics.perTask, metrics.maxK, options);
  const counted = run.simulations.filter((s) => run.header.rule !== "tau2" || s.termination !== INFRASTRUCTURE_ERROR);
  const terminations: Record<string, number> = {};
  for (const s of run.simulations) {
    const reason = s.termination ?? "unknown";
    terminations[reason] = (terminations[reason] ?? 0) + 1;
  }
  const agentCosts = counted.map((s) => s.agentCost);
  const durations = counted.map((s) => s.duration);
  return {
    metrics,
    report: {
      avg_reward: metrics.avgReward,
      pass_hat_k: metrics.passHatK,
      max_k: metrics.maxK,
      ci: {
        confidence: options.confidence,
        iterations: options.iterations,
        seed: options.seed,
        avg_reward: intervals.avgReward,
        pass_hat_k: intervals.passHatK,
      },
      cost: {
        avg_agent_cost: mean(agentCosts),
        total_agent_cost: sum(agentCosts),
        avg_user_cost: mean(counted.map((s) => s.userCost)),
      },
      duration: { avg_seconds: mean(durations), total_seconds: sum(durations) },
      turns: { avg: mean(counted.map((s) => s.turns)) },
      terminations,
      evaluated: counted.length,
      infrastructure_errors: metrics.infrastructureErrors,
      rule: metrics.rule,
    },
  };
}

/** Every run against the earliest run before it that shares tasks with it (the first of its domain, usually). */
export function buildComparisons(
  runs: { name: string; metrics: Tau2Metrics }[],
  bootstrap: BootstrapOptions = {},
): ComparisonReport[] {
  const reports: ComparisonReport[] = [];
  runs.forEach((candidate, i) => {
    for (const baseline of runs.slice(0, i)) {
      const c = pairedComparison(baseline.metrics, candidate.metrics, bootstrap);
      if (c.sharedTasks === 0) continue;
      reports.push(comparisonReport(baseline.name, candidate.name, c));
      return;
    }
  });
  return reports;
}

function comparisonReport(baseline: string, candidate: string, c: PairedComparison): ComparisonReport {
  const change = (t: TaskChange) => ({ task_id: t.taskId, baseline: t.a, candidate: t.b });
  return {
    baseline,
    candidate,
    shared_tasks: c.sharedTasks,
    only_baseline: c.onlyA,
    only_candidate: c.onlyB,
    statistics: Object.fromEntries(
      Object.entries(c.statistics).map(([name, s]) => [
        name,
        { baseline: s.a, candidate: s.b, difference: s.difference, ci: s.interval, significant: s.significant },
      ]),
    ),
    improved: c.improved.map(change),
    regressed: c.regressed.map(change),
  };
}

/** The non-null values. */
function known(values: (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null);
}

function sum(values: (number | null)[]): number | null {
  const k = known(values);
  return k.length > 0 ? k.reduce((s, v) => s + v, 0) : null;
}

export function mean(values: (number | null)[]): number | null {
  const k = known(values);
  return k.length > 0 ? k.reduce((s, v) => s + v, 0) / k.length : null;
}
