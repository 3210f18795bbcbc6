// Percentile bootstrap over tasks (not trials: the trials of one task are one cluster), seeded so that the same
// input always gives the same interval.
import { taskPassHatK, type TaskStats } from "./tau2.js";

export type Interval = [low: number, high: number];

export interface BootstrapOptions {
  /** Resamples; 2,000 is enough for a 95% percentile interval to be stable to about ±0.005. */
  iterations?: number;
  seed?: number;
  /** 0.95 for a 95% interval. */
  confidence?: number;
}

export const BOOTSTRAP_DEFAULTS = { iterations: 2000, seed: 20250610, confidence: 0.95 } as const;

export interface RunIntervals {
  avgReward: Interval | null;
  passHatK: Record<string, Interval>;
}

/** A small, fast, seedable PRNG (mulberry32): uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Draws `iterations` resamples of `count` task indices (with replacement) and hands each to `statistics`, which
 * returns one value per statistic (NaN when undefined for that resample). Returns the percentile interval of each.
 */
export function bootstrapIntervals(
  count: number,
  statistics: (indices: Uint32Array) => number[],
  options: BootstrapOptions = {},
): (Interval | null)[] {
  const { iterations, seed, confidence } = { ...BOOTSTRAP_DEFAULTS, ...options };
  const random = seededRandom(seed);
  const indices = new Uint32Array(count);
  const samples: number[][] = [];
  for (let b = 0; b < iterations; b++) {
    for (let i = 0; i < count; i++) indices[i] = Math.floor(random() * count);
    statistics(indices).forEach((v, s) => {
      (samples[s] ??= []).push(v);
    });
  }
  const tail = (1 - confidence) / 2;
  return samples.map((values) => {
    const finite = values.filter(Number.isFinite).sort((x, y) => x - y);
    if (finite.length === 0) return null;
    return [quantile(finite, tail), quantile(finite, 1 - tail)];
  });
}

/** Intervals for avg_reward (a ratio over the resampled tasks' simulations) and for each pass^k. */
export function runIntervals(perTask: readonly TaskStats[], maxK: number, options: BootstrapOptions = {}): RunIntervals {
  if (perTask.length === 0) return { avgReward: null, passHatK: {} };
  const ks = Array.from({ length: maxK }, (_, i) => i + 1);
  const passHat = ks.map((k) => perTask.map((t) => taskPassHatK(t, k)));
  const [reward, ...hats] = bootstrapIntervals(
    perTask.length,
    (idx) => [ratio(perTask, idx), ...passHat.map((values) => meanAt(values, idx))],
    options,
  );
  const passHatK: Record<string, Interval> = {};
  ks.forEach((k, i) => {
    const interval = hats[i];
    if (interval) passHatK[String(k)] = interval;
  });
  return { avgReward: reward, passHatK };
}

/** Σ reward / Σ rewarded simulations over the tasks at `idx`: avg_reward of a resample. */
export function ratio(perTask: readonly TaskStats[], idx: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < idx.length; i++) {
    const t = perTask[idx[i]];
    sum += t.rewardSum;
    count += t.rewardCount;
  }
  return count > 0 ? sum / count : Number.NaN;
}

export function meanAt(values: readonly number[], idx: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < idx.length; i++) sum += values[idx[i]];
  return sum / idx.length;
}

/** Linear interpolation between order statistics (numpy's default), on sorted values. */
function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
