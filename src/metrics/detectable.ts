// The smallest difference a paired comparison of two runs could detect, given their tasks and trial counts. A
// comparison that finds "could be noise" says little when this is larger than the change one hoped to see.

/** One shared task: its successes and trials in each run. */
export interface PairedTaskCounts {
  successesA: number;
  trialsA: number;
  successesB: number;
  trialsB: number;
}

export interface DetectableOptions {
  /** Two-sided significance level: 0.05. */
  alpha?: number;
  /** The chance of detecting a true difference of the returned size: 0.8. */
  power?: number;
}

/**
 * The true change in mean success rate (pass^1) that a test at `alpha` would find significant with probability
 * `power`, when the only noise is the trials' own: (z₁₋α/₂ + z_power) · √(Σᵢ pᵢ(1 − pᵢ)(1/aᵢ + 1/bᵢ)) / N over the
 * N shared tasks, where aᵢ and bᵢ are the trials of task i in each run and pᵢ its pooled success rate, smoothed as
 * (successes + ½) / (trials + 1) so that a task that always (or never) passed still counts a little noise. More
 * tasks and more trials make it smaller. Null without a shared task that has trials in both runs.
 */
export function minimumDetectableDifference(tasks: readonly PairedTaskCounts[], options: DetectableOptions = {}): number | null {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  let variance = 0;
  let n = 0;
  for (const t of tasks) {
    if (t.trialsA <= 0 || t.trialsB <= 0) continue;
    const p = (t.successesA + t.successesB + 0.5) / (t.trialsA + t.trialsB + 1);
    variance += p * (1 - p) * (1 / t.trialsA + 1 / t.trialsB);
    n++;
  }
  if (n === 0) return null;
  return ((normalQuantile(1 - alpha / 2) + normalQuantile(power)) * Math.sqrt(variance)) / n;
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`need 0 < p < 1 (got ${p})`);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
