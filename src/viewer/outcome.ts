// What a trial's record says about it (passed, failed, …) and what a task's trials say about the task. Pure, and
// browser-safe: the pages may reuse them.
import { isSuccess } from "../metrics/passk.js";
import type { TaskFilter, TrialOutcome } from "./schemas.js";

export interface TrialFacts {
  /** The trial's reward or score in [0, 1]; null when it has none. */
  reward: number | null;
  /** Left out of the metrics (tau2's infrastructure errors, a case that cannot be judged). */
  excluded?: boolean;
  /** The trial threw, timed out, or produced no answer. */
  errored?: boolean;
}

/** An excluded trial stays excluded; a trial without a reward, or one that failed because it errored, is "errored". */
export function trialOutcome({ reward, excluded = false, errored = false }: TrialFacts): TrialOutcome {
  if (excluded) return "excluded";
  if (reward === null || !Number.isFinite(reward)) return "errored";
  if (isSuccess(reward)) return "passed";
  if (reward <= 1e-6) return errored ? "errored" : "failed";
  return "partial";
}

/** Counts a task's trials: those that count (not excluded) and those that passed. */
export function tally(outcomes: readonly TrialOutcome[]): { passed: number; counted: number; successRate: number | null } {
  const counted = outcomes.filter((o) => o !== "excluded").length;
  const passed = outcomes.filter((o) => o === "passed").length;
  return { passed, counted, successRate: counted > 0 ? passed / counted : null };
}

/** "failing": none of the trials that count passed; "flaky": some did; "passing": all did. A task with none is none of them. */
export function taskClass(t: { passed: number; counted: number }): Exclude<TaskFilter, "all"> | null {
  if (t.counted === 0) return null;
  if (t.passed === 0) return "failing";
  return t.passed === t.counted ? "passing" : "flaky";
}

/** The commonest value (the first seen among equals); null for none. */
export function commonest(values: readonly (string | null)[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  let most = 0;
  for (const [v, n] of counts) {
    if (n > most) {
      best = v;
      most = n;
    }
  }
  return best;
}
