// A share with its 95% interval, e.g. "62.3% [55.0, 69.1]".
import { interval, percent, type Interval } from "../lib/format.js";

export function Estimate({ value, ci }: { value: number | null | undefined; ci?: Interval | null }) {
  return (
    <span class="estimate">
      {percent(value)}
      {ci && <span class="ci"> {interval(ci)}</span>}
    </span>
  );
}
