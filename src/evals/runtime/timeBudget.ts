// One eval's time budget (EVAL_TIME_BUDGET_MS). A platform that cuts web requests at a fixed time (Modal at 150 s)
// would cut a long run mid-stream: the Playground shows a network error and the rows still running stay empty.
// With a budget set below that cut the run ends itself, in three steps:
//   1. A new case starts only if a typical case so far (the median of those finished) would still end before the
//      cut: one that cannot would only spend model calls on a row that is then stopped.
//   2. At the cut, budget − reserve, running cases are stopped (their AbortSignal fires). Every case that did not
//      finish gets its row and its progress event with an error naming the budget.
//   3. The reserve is for what follows: logging those rows, flushing every row to Braintrust, the summary (in
//      experiment mode, Braintrust computes it) and `done`. That is a few requests to Braintrust, a second or two
//      each at worst: a tenth of the budget, at least 1 s and at most 10 s (140 s: the cut at 130 s). Should
//      Braintrust be slower still, at the budget's end the summary goes out without waiting (beforeEnd): the rows
//      still in flight land after it, and the stream ends in time.
// Times are from the request's arrival (its login and body count), on the monotonic clock.

const RESERVE_SHARE = 0.1;
const MIN_RESERVE_MS = 1_000;
const MAX_RESERVE_MS = 10_000;

/** The error of a case the budget stopped or never started. */
export class TimeBudgetError extends Error {
  override name = "TimeBudgetError";
}

export interface TimeBudgetOptions {
  totalMs: number;
  /** Already spent when the budget is made (the request's time before its handler). */
  spentMs?: number;
  /** The clock, in ms (performance.now by default). */
  now?: () => number;
}

export class TimeBudget {
  readonly totalMs: number;
  /** Kept after the cut for rows, flush, summary and done. */
  readonly reserveMs: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly cut = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly caseDurations: number[] = [];
  private ended = false;
  private readonly endListeners = new Set<() => void>();

  constructor(options: TimeBudgetOptions) {
    this.totalMs = options.totalMs;
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now() - (options.spentMs ?? 0);
    this.reserveMs = Math.min(MAX_RESERVE_MS, Math.max(MIN_RESERVE_MS, Math.round(this.totalMs * RESERVE_SHARE)));
    this.at(this.cutAt, () => this.cut.abort(new TimeBudgetError(this.stoppedMessage)));
    this.at(this.totalMs, () => {
      this.ended = true;
      for (const listener of this.endListeners) listener();
      this.endListeners.clear();
    });
  }

  /** Ms from the start: when running cases are stopped. */
  get cutAt(): number {
    return this.totalMs - this.reserveMs;
  }

  /** Fires at the cut, with the stopped cases' error as its reason. */
  get signal(): AbortSignal {
    return this.cut.signal;
  }

  get notRunMessage(): string {
    return `not run: this eval's ${seconds(this.totalMs)} s time budget ran out`;
  }

  get stoppedMessage(): string {
    return `stopped: this eval's ${seconds(this.totalMs)} s time budget ran out before the case finished`;
  }

  /** Whether a case starting now is expected to finish before the cut. */
  canStart(): boolean {
    if (this.cut.signal.aborted) return false;
    return this.elapsed() + median(this.caseDurations) <= this.cutAt;
  }

  /** A case that finished (not one the budget stopped) took this long: what canStart expects of the next. */
  caseFinished(durationMs: number): void {
    this.caseDurations.push(durationMs);
  }

  /**
   * `work`'s result, or `otherwise()` once the budget's end comes first (what `work` does later is let go of).
   * Before the end, a failure of `work` is its caller's.
   */
  beforeEnd<T>(work: Promise<T>, otherwise: () => T): Promise<T> {
    if (this.ended) {
      work.catch(() => {});
      return Promise.resolve(otherwise());
    }
    return new Promise<T>((resolve, reject) => {
      const onEnd = () => {
        work.catch(() => {});
        resolve(otherwise());
      };
      this.endListeners.add(onEnd);
      work.then(
        (value) => {
          this.endListeners.delete(onEnd);
          resolve(value);
        },
        (error) => {
          this.endListeners.delete(onEnd);
          reject(error);
        },
      );
    });
  }

  dispose(): void {
    for (const timer of this.timers.splice(0)) clearTimeout(timer);
    this.endListeners.clear();
  }

  private elapsed(): number {
    return this.now() - this.startedAt;
  }

  private at(ms: number, action: () => void): void {
    const delay = ms - this.elapsed();
    if (delay <= 0) action();
    else this.timers.push(setTimeout(action, delay));
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** 140000 → "140", 2500 → "2.5". */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
