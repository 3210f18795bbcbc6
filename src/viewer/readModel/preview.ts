// Bounded previews of stored JSON values: what a page can show of a value without the answer growing with it.
// Long strings end in "…", long arrays and objects keep their first entries and say how many more there were, deep
// values are elided; a value whose stored text is too long to parse is that text's beginning, as a string.

interface Bounds {
  maxString: number;
  maxItems: number;
  maxDepth: number;
}

const ELLIPSIS = "…";

function bounded(value: unknown, b: Bounds, depth: number, cut: { any: boolean }): unknown {
  if (typeof value === "string") {
    if (value.length <= b.maxString) return value;
    cut.any = true;
    return value.slice(0, b.maxString) + ELLIPSIS;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth >= b.maxDepth) {
    cut.any = true;
    return Array.isArray(value) ? `[${ELLIPSIS}]` : `{${ELLIPSIS}}`;
  }
  if (Array.isArray(value)) {
    const kept = value.slice(0, b.maxItems).map((v) => bounded(v, b, depth + 1, cut));
    if (value.length > b.maxItems) {
      cut.any = true;
      kept.push(`${ELLIPSIS} +${value.length - b.maxItems} more`);
    }
    return kept;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries.slice(0, b.maxItems)) out[k] = bounded(v, b, depth + 1, cut);
  if (entries.length > b.maxItems) {
    cut.any = true;
    out[ELLIPSIS] = `+${entries.length - b.maxItems} more`;
  }
  return out;
}

/** Ever tighter bounds, tried in turn until the preview fits the budget. */
function boundsFor(budget: number): Bounds[] {
  return [
    { maxString: Math.max(16, Math.floor(budget / 2)), maxItems: 100, maxDepth: 12 },
    { maxString: Math.max(16, Math.floor(budget / 8)), maxItems: 20, maxDepth: 8 },
    { maxString: Math.max(16, Math.floor(budget / 32)), maxItems: 5, maxDepth: 4 },
    { maxString: 16, maxItems: 2, maxDepth: 2 },
  ];
}

/** `value` when its JSON fits in `budget` characters, else a preview of it that does (or as near as it gets). */
export function boundValue(value: unknown, budget: number): { value: unknown; truncated: boolean } {
  const text = JSON.stringify(value);
  if (text === undefined || text.length <= budget) return { value, truncated: false };
  let last: unknown = value;
  for (const b of boundsFor(budget)) {
    const cut = { any: false };
    last = bounded(value, b, 0, cut);
    if ((JSON.stringify(last) ?? "").length <= budget) return { value: last, truncated: true };
  }
  return { value: text.slice(0, budget) + ELLIPSIS, truncated: true };
}

/**
 * A stored JSON text (a column of the store) as a bounded value. `text` may already be cut by the query (`cut`:
 * the column was longer than what was read), in which case it is not parsed but shown as text.
 */
export function previewStored(text: unknown, budget: number, cut = false): { value: unknown; truncated: boolean } {
  if (typeof text !== "string") return { value: null, truncated: false };
  if (cut) return { value: text.slice(0, budget) + ELLIPSIS, truncated: true };
  // Stored as JSON.stringify wrote it: a text that fits is a value that fits.
  if (text.length <= budget) return { value: JSON.parse(text), truncated: false };
  return boundValue(JSON.parse(text), budget);
}
