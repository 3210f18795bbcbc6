// Unbiased pass@k (Chen et al. 2021) and pass^k (tau-bench), as products of factors in [0, 1]
// so that no binomial coefficient is ever formed (no overflow for any n).

function check(n: number, c: number, k: number): void {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k)) {
    throw new RangeError(`n, c and k must be integers (got n=${n}, c=${c}, k=${k})`);
  }
  if (c < 0 || c > n) throw new RangeError(`need 0 <= c <= n (got c=${c}, n=${n})`);
  if (k < 1 || k > n) throw new RangeError(`need 1 <= k <= n (got k=${k}, n=${n})`);
}

/** Probability that at least one of k trials drawn without replacement from n (c of them passing) passes. */
export function passAtK(n: number, c: number, k: number): number {
  check(n, c, k);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Probability that all k trials drawn without replacement from n (c of them passing) pass: C(c,k)/C(n,k). */
export function passHatK(n: number, c: number, k: number): number {
  check(n, c, k);
  if (c < k) return 0;
  let prod = 1;
  for (let j = 0; j < k; j++) prod *= (c - j) / (n - j);
  return prod;
}

/** tau2's success predicate: a reward counts as a pass when it is 1 within 1e-6. */
export const isSuccess = (reward: number): boolean => Math.abs(reward - 1) <= 1e-6;
