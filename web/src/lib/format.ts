// How numbers read on the pages: shares as percentages, intervals in brackets, money in dollars, spans of time in
// the unit that suits them. Missing values read as an en dash, never as 0.

export type Interval = readonly [number, number];

const DASH = "–";

export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? DASH : `${(value * 100).toFixed(digits)}%`;
}

/** A signed difference of shares in percentage points. */
export function points(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  const p = (value * 100).toFixed(digits);
  return `${value > 0 ? "+" : ""}${p} pt`;
}

export function interval(ci: Interval | null | undefined, digits = 1, signed = false): string {
  if (!ci) return "";
  const f = (v: number) => (signed ? points(v, digits).replace(" pt", "") : (v * 100).toFixed(digits));
  return `[${f(ci[0])}, ${f(ci[1])}]`;
}

export function usd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  if (value === 0) return "$0";
  if (Math.abs(value) < 0.01) return `$${value.toFixed(4)}`;
  if (Math.abs(value) < 100) return `$${value.toFixed(2)}`;
  return `$${Math.round(value).toLocaleString("en-US")}`;
}

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 60) return `${value.toFixed(value < 10 ? 1 : 0)} s`;
  const m = Math.floor(value / 60);
  const s = Math.round(value % 60);
  if (m < 60) return `${m}m ${String(s).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

export function count(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toFixed(value >= 100_000 ? 0 : 1)}k`;
  return Number.isInteger(value) ? value.toLocaleString("en-US") : value.toFixed(1);
}

/** A date and time in the reader's zone, to the minute. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The first `max` characters of a text on one line, with an ellipsis when cut. */
export function excerpt(text: string | null | undefined, max = 120): string {
  if (!text) return "";
  const line = text.replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}
