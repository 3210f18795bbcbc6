// The pass^k curve's numbers as a table: k, then each run's value and interval.
import { interval, percent } from "../lib/format.js";
import type { Curve } from "./PassKChart.js";

export function PassKTable({ curves, caption }: { curves: readonly Curve[]; caption: string }) {
  const maxK = Math.max(0, ...curves.flatMap((c) => c.points.map((p) => p.k)));
  const ks = Array.from({ length: maxK }, (_, i) => i + 1);
  return (
    <details class="passk-table">
      <summary>{caption}</summary>
      <table class="data compact">
        <thead>
          <tr>
            <th scope="col">k</th>
            {curves.map((c) => (
              <th scope="col" key={c.name}>
                {c.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ks.map((k) => (
            <tr key={k}>
              <th scope="row">pass^{k}</th>
              {curves.map((c) => {
                const p = c.points.find((x) => x.k === k);
                return (
                  <td key={c.name}>
                    {p ? percent(p.value) : "–"} <span class="ci">{p ? interval(p.ci) : ""}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
