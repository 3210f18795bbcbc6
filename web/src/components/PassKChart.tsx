// pass^k against k for one or more runs, each with its 95% interval as a band. uPlot draws it (canvas, small and
// fast); it loads after the page's numbers have painted, and the same numbers are in the table beside it.
import { useEffect, useRef, useState } from "preact/hooks";
import type uPlot from "uplot";
import { interval, percent, type Interval } from "../lib/format.js";

interface CurvePoint {
  k: number;
  value: number;
  ci: Interval | null;
}

export interface Curve {
  name: string;
  points: CurvePoint[];
}

/** Series styles told apart by dash and marker as well as by colour. */
const CURVE_STYLES = [
  { stroke: "#2563eb", fill: "rgba(37, 99, 235, 0.15)", dash: [] as number[], marker: "●" },
  { stroke: "#d97706", fill: "rgba(217, 119, 6, 0.15)", dash: [8, 4], marker: "■" },
  { stroke: "#059669", fill: "rgba(5, 150, 105, 0.15)", dash: [2, 3], marker: "▲" },
  { stroke: "#9333ea", fill: "rgba(147, 51, 234, 0.15)", dash: [10, 3, 2, 3], marker: "◆" },
];

export const curveStyle = (i: number) => CURVE_STYLES[i % CURVE_STYLES.length];

/** uPlot's aligned columns: k, then per curve its value, interval low and interval high (null past its max k). */
export function curveData(curves: readonly Curve[]): (number | null)[][] {
  const maxK = Math.max(0, ...curves.flatMap((c) => c.points.map((p) => p.k)));
  const ks = Array.from({ length: maxK }, (_, i) => i + 1);
  const columns: (number | null)[][] = [ks];
  for (const curve of curves) {
    const at = new Map(curve.points.map((p) => [p.k, p]));
    columns.push(ks.map((k) => at.get(k)?.value ?? null));
    columns.push(ks.map((k) => at.get(k)?.ci?.[0] ?? null));
    columns.push(ks.map((k) => at.get(k)?.ci?.[1] ?? null));
  }
  return columns;
}

export function chartOptions(curves: readonly Curve[], width: number): uPlot.Options {
  const series: uPlot.Series[] = [{ label: "k" }];
  const bands: uPlot.Band[] = [];
  curves.forEach((curve, i) => {
    const style = curveStyle(i);
    const base = series.length;
    series.push({ label: curve.name, stroke: style.stroke, width: 2, dash: style.dash, points: { show: true, size: 6 } });
    series.push({ label: `${curve.name} low`, stroke: "transparent", points: { show: false } });
    series.push({ label: `${curve.name} high`, stroke: "transparent", points: { show: false } });
    bands.push({ series: [base + 2, base + 1], fill: style.fill });
  });
  return {
    width,
    height: 240,
    series,
    bands,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: { auto: false, range: [0, 1] } },
    axes: [
      { label: "k (trials that must all pass)", incrs: [1, 2, 5, 10, 20, 50], values: (_u, ticks) => ticks.map((t) => String(t)) },
      { label: "pass^k", values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`), size: 50 },
    ],
  };
}

export function PassKChart({ curves }: { curves: readonly Curve[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const hasPoints = curves.some((c) => c.points.length > 0);

  useEffect(() => {
    const el = holder.current;
    if (!el || !hasPoints) return;
    let chart: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let cancelled = false;
    Promise.all([import("uplot"), import("uplot/dist/uPlot.min.css")])
      .then(([{ default: UPlot }]) => {
        if (cancelled) return;
        const width = () => Math.max(240, Math.floor(el.clientWidth || 480));
        chart = new UPlot(chartOptions(curves, width()), curveData(curves) as uPlot.AlignedData, el);
        observer = new ResizeObserver(() => chart?.setSize({ width: width(), height: 240 }));
        observer.observe(el);
      })
      .catch((error: unknown) => setFailure(error instanceof Error ? error.message : String(error)));
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart?.destroy();
    };
  }, [curves, hasPoints]);

  if (!hasPoints) return <p class="muted">No pass^k to draw: no task has a trial that counts.</p>;
  const summary = curves
    .map((c) => `${c.name}: ${c.points.map((p) => `pass^${p.k} ${percent(p.value)} ${interval(p.ci)}`).join(", ")}`)
    .join("; ");
  return (
    <figure class="chart">
      <div class="chart-canvas" ref={holder} role="img" aria-label={`pass^k curve with 95% intervals. ${summary}`} />
      {failure && <p class="muted">The chart could not be drawn here ({failure}); the numbers are in the table.</p>}
      <figcaption class="legend">
        {curves.map((c, i) => (
          <span key={c.name} class="legend-item">
            <svg width="28" height="10" aria-hidden="true">
              <line x1="0" y1="5" x2="28" y2="5" stroke={curveStyle(i).stroke} stroke-width="2" stroke-dasharray={curveStyle(i).dash.join(" ")} />
            </svg>
            {c.name}
          </span>
        ))}
        <span class="legend-item muted">bands: 95% bootstrap interval over tasks</span>
      </figcaption>
    </figure>
  );
}
