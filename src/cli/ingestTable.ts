// The CLI's view of an ingest report: a progress line while it works, then models × avg reward and pass^k with
// their 95% intervals, and the paired comparisons.
import type { Interval } from "../metrics/bootstrap.js";
import type { IngestProgress, IngestReport } from "../ingest/ingestJob.js";
import type { ComparisonReport } from "../ingest/compute/metricsReport.js";
import { absoluteLink } from "../viewer/links.js";

const BAR = 24;

export function progressLine(p: IngestProgress): string {
  if (p.phase === "validate") {
    const size = p.total_bytes ? ` / ${mb(p.total_bytes)}` : "";
    const bar = p.total_bytes ? `${bars(p.bytes / p.total_bytes)} ` : "";
    // A tau2 directory run's results.json holds no simulation: they come file by file after it.
    const simulations = p.simulations > 0 ? `, ${p.simulations} simulations` : "";
    return `reading ${p.file} ${bar}${mb(p.bytes)}${size}${simulations}`;
  }
  const share = p.total_simulations > 0 ? p.simulations / p.total_simulations : 1;
  return `writing ${p.experiment} ${bars(share)} ${p.simulations}/${p.total_simulations} simulations`;
}

/** `service`: where the viewer is served (HOST, PORT), to print its links absolute. */
export function reportTable(report: IngestReport, { compare, service }: { compare: boolean; service?: { host: string; port: number } }): string {
  const lines: string[] = [];
  const maxK = Math.max(0, ...report.experiments.map((e) => e.metrics.max_k));
  const header = ["experiment", "domain", "tasks", "sims", "avg reward", ...range(maxK).map((k) => `pass^${k}`)];
  const rows = report.experiments.map((e) => [
    e.name,
    e.domain,
    String(e.tasks),
    String(e.simulations),
    withInterval(e.metrics.avg_reward, e.metrics.ci.avg_reward),
    ...range(maxK).map((k) => withInterval(e.metrics.pass_hat_k[k], e.metrics.ci.pass_hat_k[k])),
  ]);
  lines.push(...columns([header, ...rows]));
  const confidence = report.experiments[0]?.metrics.ci.confidence ?? 0.95;
  lines.push("", `[low, high]: ${Math.round(confidence * 100)}% bootstrap interval over tasks.`);
  for (const d of report.datasets) lines.push(`dataset "${d.name}": ${d.rows} rows, ${d.new_rows} new`);
  for (const e of report.experiments) {
    lines.push(`experiment "${e.name}": ${e.new_rows} new rows${e.url ? ` ${e.url}` : ""}`);
    const viewer = e.viewer_url && (service ? absoluteLink(e.viewer_url, service) : e.viewer_url);
    lines.push(`  id ${e.id}${viewer ? `, viewer: ${viewer}` : ""}`);
  }
  if (compare) {
    if (report.comparisons.length === 0) lines.push("", "Nothing to compare: give two or more results files that share tasks.");
    for (const c of report.comparisons) lines.push("", ...comparisonLines(c));
  }
  if (report.warnings.length > 0) lines.push("", ...report.warnings.map((w) => `warning: ${w}`));
  return lines.join("\n");
}

function comparisonLines(c: ComparisonReport): string[] {
  const lines = [`${c.candidate} − ${c.baseline}, paired on ${c.shared_tasks} shared tasks:`];
  const rows = Object.entries(c.statistics).map(([name, s]) => [
    `  ${name}`,
    `${num(s.baseline)} → ${num(s.candidate)}`,
    `${signed(s.difference)} ${s.ci ? `[${signed(s.ci[0])}, ${signed(s.ci[1])}]` : ""}`,
    s.significant ? "significant" : "could be noise",
  ]);
  lines.push(...columns(rows));
  const list = (tasks: ComparisonReport["improved"]) =>
    tasks.map((t) => `${t.task_id} (${num(t.baseline)} → ${num(t.candidate)})`).join(", ") || "none";
  lines.push(`  improved (${c.improved.length}): ${list(c.improved)}`);
  lines.push(`  regressed (${c.regressed.length}): ${list(c.regressed)}`);
  return lines;
}

function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
}

function withInterval(value: number | null | undefined, interval: Interval | null | undefined): string {
  if (value === null || value === undefined) return "-";
  return interval ? `${num(value)} [${num(interval[0])}, ${num(interval[1])}]` : num(value);
}

const num = (v: number) => v.toFixed(3);
const signed = (v: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(3)}`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function bars(share: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * BAR);
  return `[${"#".repeat(filled)}${".".repeat(BAR - filled)}]`;
}
