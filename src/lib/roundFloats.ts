// Floating-point sums show their noise (0.10671312500000003): what goes to a person or a client is rounded.

/** A copy of `value` with every non-integer number rounded to `digits` decimals. */
export function roundFloats<T>(value: T, digits = 6): T {
  const scale = 10 ** digits;
  const walk = (v: unknown): unknown => {
    if (typeof v === "number") return Number.isInteger(v) || !Number.isFinite(v) ? v : Math.round(v * scale) / scale;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
