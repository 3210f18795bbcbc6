// Paired comparison of two runs on the tasks both ran: per-task differences, resampled together, so the interval
// reflects the gap between the models rather than the spread of task difficulty (Miller 2024).
import { bootstrapIntervals, meanAt, ratio, type BootstrapOptions, type Interval } from "./bootstrap.js";
import { taskPassHatK, type TaskStats } from "./tau2.js";

export interface PairedStatistic {
  /** The statistic of A and B on the shared tasks, and B − A. */
  a: number;
  b: number;
  difference: number;
  interval: Interval | null;
  /** The interval leaves out 0. */
  significant: boolean;
}

export interface TaskChange {
  taskId: string;
  /** Share of successful trials in A and in B. */
  a: number;
  b: number;
}

export interface PairedComparison {
  sharedTasks: number;
  onlyA: number;
  onlyB: number;
  /** "avg_reward" and "pass^1".."pass^k", k up to the smaller max_k of the two. */
  statistics: Record<string, PairedStatistic>;
  /** Tasks that mostly failed in A and mostly pass in B (success share crossing one half), and the reverse. */
  improved: TaskChange[];
  regressed: TaskChange[];
}

export function pairedComparison(
  a: { perTask: readonly TaskStats[]; maxK: number },
  b: { perTask: readonly TaskStats[]; maxK: number },
  options: BootstrapOptions = {},
): PairedComparison {
  const inB = new Map(b.perTask.map((t) => [t.taskId, t]));
  const sharedA: TaskStats[] = [];
  const sharedB: TaskStats[] = [];
  for (const t of a.perTask) {
    const other = inB.get(t.taskId);
    if (other) {
      sharedA.push(t);
      sharedB.push(other);
    }
  }
  const maxK = Math.min(a.maxK, b.maxK);
  const names = ["avg_reward", ...Array.from({ length: maxK }, (_, i) => `pass^${i + 1}`)];
  const hatA = names.slice(1).map((_, i) => sharedA.map((t) => taskPassHatK(t, i + 1)));
  const hatB = names.slice(1).map((_, i) => sharedB.map((t) => taskPassHatK(t, i + 1)));
  const valuesAt = (idx: ArrayLike<number>, side: "a" | "b"): number[] => [
    ratio(side === "a" ? sharedA : sharedB, idx),
    ...(side === "a" ? hatA : hatB).map((values) => meanAt(values, idx)),
  ];
  const all = Uint32Array.from(sharedA.keys());
  const pointA = valuesAt(all, "a");
  const pointB = valuesAt(all, "b");
  const intervals =
    sharedA.length === 0
      ? names.map(() => null)
      : bootstrapIntervals(
          sharedA.length,
          (idx) => {
            const va = valuesAt(idx, "a");
            return valuesAt(idx, "b").map((v, i) => v - va[i]);
          },
          options,
        );
  const statistics: Record<string, PairedStatistic> = {};
  names.forEach((name, i) => {
    const interval = intervals[i];
    statistics[name] = {
      a: pointA[i],
      b: pointB[i],
      difference: pointB[i] - pointA[i],
      interval,
      significant: interval !== null && (interval[0] > 0 || interval[1] < 0),
    };
  });
  const improved: TaskChange[] = [];
  const regressed: TaskChange[] = [];
  sharedA.forEach((ta, i) => {
    const change = { taskId: ta.taskId, a: successShare(ta), b: successShare(sharedB[i]) };
    if (change.a <= 0.5 && change.b > 0.5) improved.push(change);
    else if (change.a > 0.5 && change.b <= 0.5) regressed.push(change);
  });
  return {
    sharedTasks: sharedA.length,
    onlyA: a.perTask.length - sharedA.length,
    onlyB: b.perTask.length - sharedB.length,
    statistics,
    improved,
    regressed,
  };
}

function successShare(t: TaskStats): number {
  return t.trials > 0 ? t.successes / t.trials : 0;
}

export type Verdict = "better" | "worse" | "could be noise";

/** In plain words: B is better or worse than A when the interval of B − A leaves out 0; otherwise it could be noise. */
export function verdictOf(statistic: Pick<PairedStatistic, "difference" | "significant">): Verdict {
  if (!statistic.significant) return "could be noise";
  return statistic.difference > 0 ? "better" : "worse";
}
