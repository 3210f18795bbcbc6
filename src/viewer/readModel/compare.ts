// A baseline against one or more candidates, on the tasks they share: the metrics module's paired bootstrap
// (avg_reward, pass^k), a verdict, the smallest difference these tasks and trials could show, and every task's
// change for the heatmaps, sorted by change.
import { minimumDetectableDifference } from "../../metrics/detectable.js";
import { pairedComparison, verdictOf } from "../../metrics/paired.js";
import type { Tau2Metrics } from "../../metrics/tau2.js";
import type { CandidateComparison, CompareRow, ExperimentSummary, RunTask, TaskChangeStatus } from "../schemas.js";
import type { TaskRecord } from "./taskTrials.js";
import { tally } from "../outcome.js";

export interface ComparedRun {
  summary: ExperimentSummary;
  tasks: TaskRecord[];
  metrics: Tau2Metrics;
}

const rateOf = (t: TaskRecord | undefined) => (t ? tally(t.trials.map((x) => x.outcome)).successRate : null);

/** A task's change between two runs: crossing one half is an improvement or a regression, as the ingest counts them. */
export function changeStatus(baseline: number | null | undefined, candidate: number | null | undefined): TaskChangeStatus {
  if (baseline === undefined) return "only_candidate";
  if (candidate === undefined) return "only_baseline";
  const a = baseline ?? 0;
  const b = candidate ?? 0;
  if (a <= 0.5 && b > 0.5) return "improved";
  if (a > 0.5 && b <= 0.5) return "regressed";
  return a === b ? "same" : "changed";
}

/** Regressions first (the largest first), then improvements (the largest first), then unchanged tasks, then tasks of one run. */
export function byChange(x: CompareRow, y: CompareRow): number {
  const rank = (r: CompareRow) => (r.change === null ? 3 : r.change < 0 ? 0 : r.change > 0 ? 1 : 2);
  const rx = rank(x);
  const ry = rank(y);
  if (rx !== ry) return rx - ry;
  if (rx === 0) return x.change! - y.change!;
  if (rx === 1) return y.change! - x.change!;
  return x.taskId < y.taskId ? -1 : x.taskId > y.taskId ? 1 : 0;
}

export function compareRuns(
  baseline: ComparedRun,
  candidate: ComparedRun,
  page: { limit: number; offset: number; differencesOnly: boolean },
): CandidateComparison {
  const paired = pairedComparison(baseline.metrics, candidate.metrics);
  const aTasks = new Map(baseline.tasks.map((t) => [t.taskId, t]));
  const bTasks = new Map(candidate.tasks.map((t) => [t.taskId, t]));
  const statsB = new Map(candidate.metrics.perTask.map((t) => [t.taskId, t]));
  const shared = baseline.metrics.perTask.flatMap((a) => {
    const b = statsB.get(a.taskId);
    return b ? [{ successesA: a.successes, trialsA: a.trials, successesB: b.successes, trialsB: b.trials }] : [];
  });
  const ids = [...new Set([...aTasks.keys(), ...bTasks.keys()])];
  const rows: CompareRow[] = ids.map((taskId) => {
    const a = aTasks.get(taskId);
    const b = bTasks.get(taskId);
    const baselineRate = a ? rateOf(a) : null;
    const candidateRate = b ? rateOf(b) : null;
    return {
      taskId,
      description: (a ?? b)!.description,
      baselineRate,
      candidateRate,
      change: a && b ? (candidateRate ?? 0) - (baselineRate ?? 0) : null,
      status: changeStatus(a ? baselineRate : undefined, b ? candidateRate : undefined),
    };
  });
  rows.sort(byChange);
  const shown = page.differencesOnly ? rows.filter((r) => r.status !== "same") : rows;
  const onlyBaseline = rows.filter((r) => r.status === "only_baseline").map((r) => r.taskId);
  const onlyCandidate = rows.filter((r) => r.status === "only_candidate").map((r) => r.taskId);
  const statistics = Object.entries(paired.statistics).map(([name, s]) => ({
    name,
    k: name.startsWith("pass^") ? Number(name.slice(5)) : null,
    baseline: s.a,
    candidate: s.b,
    difference: s.difference,
    ci: s.interval,
    significant: s.significant,
  }));
  const headline = paired.statistics.avg_reward;
  return {
    candidate: candidate.summary,
    sharedTasks: paired.sharedTasks,
    onlyBaseline: onlyBaseline.slice(0, page.limit),
    onlyCandidate: onlyCandidate.slice(0, page.limit),
    onlyBaselineCount: onlyBaseline.length,
    onlyCandidateCount: onlyCandidate.length,
    statistics,
    verdict: headline ? verdictOf(headline) : "could be noise",
    minimumDetectableDifference: minimumDetectableDifference(shared),
    improved: rows.filter((r) => r.status === "improved"),
    regressed: rows.filter((r) => r.status === "regressed"),
    rows: shown.slice(page.offset, page.offset + page.limit),
    rowsTotal: shown.length,
  };
}

/** The heatmap cells of the tasks shown, per run. */
export function runCells(run: ComparedRun, taskIds: ReadonlySet<string>): Record<string, RunTask> {
  const out: Record<string, RunTask> = {};
  for (const t of run.tasks) {
    if (!taskIds.has(t.taskId)) continue;
    out[t.taskId] = {
      rootSpanId: t.rootSpanId,
      successRate: rateOf(t),
      trials: t.trials.map((x) => ({ outcome: x.outcome, reward: x.reward, spanId: x.spanId })),
    };
  }
  return out;
}
