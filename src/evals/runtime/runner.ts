// Runs one evaluator over its cases: bounded concurrency, trials, a per-case deadline, cancellation and the run's
// time budget. Each case is an `eval` span with `task` and one `score` span per scorer, the same tree the braintrust
// SDK writes. A throwing task or scorer fails that case only. The runner reports cases as they finish (and, under a
// budget, those it stopped or never started) and knows nothing of HTTP or SSE.
import { randomUUID } from "node:crypto";
import { logError, type Span } from "braintrust";
import { messageOf } from "../../errors.js";
import { abortScope } from "../../lib/abortScope.js";
import { prepareScore, ScoreAccumulator, scorerName } from "./scoring.js";
import { TimeBudgetError, type TimeBudget } from "./timeBudget.js";
import type { EvalCase, ProgressEvent, RegisteredEvaluator, Scorer, TaskHooks } from "./types.js";

interface RootSpanArgs {
  name: string;
  spanAttributes: Record<string, unknown>;
  event: Record<string, unknown>;
}

/** How a case's root span is opened: in an experiment, or under a Playground parent. */
export type OpenRootSpan = <R>(args: RootSpanArgs, callback: (span: Span) => Promise<R>) => Promise<R>;

export interface CaseStarted {
  /** The root span's row id: the `id` of progress events, equal to the `id` of the root row logged. */
  id: string;
  origin?: unknown;
}

export interface CaseFinished extends CaseStarted {
  output?: unknown;
  scores: Record<string, number | null>;
  /** Set when the task failed (threw, timed out or was cancelled): the case has no scores. */
  error?: string;
}

export interface RunnerListener {
  onTaskProgress?(event: ProgressEvent, started: CaseStarted): void;
  onCaseFinished?(result: CaseFinished): void;
}

export interface RunSpec {
  entry: RegisteredEvaluator;
  cases: AsyncIterable<EvalCase> | Iterable<EvalCase>;
  parameters: Record<string, unknown>;
  /** The evaluator's scorers followed by any the caller added (Playground scorers). */
  scorers: Scorer[];
  openRootSpan: OpenRootSpan;
  /** Merged into every scorer span (the Playground's generation, `purpose: "scorer"`). */
  scorerPropagatedEvent: Record<string, unknown>;
  /** The dataset origin of a case, when its rows come from a Braintrust dataset. */
  originOf?: (datum: EvalCase) => Promise<unknown>;
  defaultConcurrency: number;
  caseTimeoutMs: number;
  signal: AbortSignal;
  /** The run's time budget (EVAL_TIME_BUDGET_MS), if any: see timeBudget.ts. */
  budget?: TimeBudget;
  /** Applied to every error a case reports or records (a task's, a scorer's). */
  redact: (text: string) => string;
  caller?: TaskHooks["caller"];
}

export interface RunTotals {
  cases: number;
  failed: number;
  scores: ScoreAccumulator;
}

const YIELD_EVERY_MS = 4;

class CaseTimeoutError extends Error {
  override name = "CaseTimeoutError";
}

/** A copy of a thrown value whose message and stack went through `redact`: what a span or a caller may see of it. */
function redacted(e: unknown, redact: (text: string) => string): Error {
  const copy = new Error(redact(messageOf(e)));
  copy.name = e instanceof Error ? e.name : "Error";
  copy.stack = e instanceof Error && e.stack ? redact(e.stack) : `${copy.name}: ${copy.message}`;
  return copy;
}

/** Rejects when the signal aborts, so a task that ignores its signal still lets the case end. */
function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  promise.catch(() => {});
  return { promise, dispose: () => signal.removeEventListener("abort", onAbort) };
}

async function* trials(spec: RunSpec): AsyncGenerator<{ datum: EvalCase; trialIndex: number }> {
  const perEvaluator = spec.entry.evaluator.trialCount ?? 1;
  for await (const datum of spec.cases as AsyncIterable<EvalCase>) {
    const count = datum.trialCount ?? perEvaluator;
    for (let trialIndex = 0; trialIndex < count; trialIndex++) yield { datum, trialIndex };
  }
}

export async function runEvaluator(spec: RunSpec, listener: RunnerListener = {}): Promise<RunTotals> {
  const { entry, signal } = spec;
  const evaluator = entry.evaluator;
  const names = spec.scorers.map(scorerName);
  const totals: RunTotals = { cases: 0, failed: 0, scores: new ScoreAccumulator() };
  const concurrency = Math.max(1, evaluator.maxConcurrency ?? spec.defaultConcurrency);
  const runId = randomUUID();
  const { budget } = spec;

  // Fast tasks resolve in microtasks only, which would starve the event loop for the whole run: no socket
  // write (progress events, the SDK's background flushes) would leave until the end. Now and then every
  // worker waits at the same gate while the event loop turns once.
  let lastYield = performance.now();
  let gate: Promise<void> | undefined;
  const yieldNow = () =>
    new Promise<void>((resolve) =>
      setImmediate(() => {
        gate = undefined;
        lastYield = performance.now();
        resolve();
      }),
    );
  const passGate = async () => {
    if (!gate && performance.now() - lastYield > YIELD_EVERY_MS) gate = yieldNow();
    if (gate) await gate;
  };
  const rootEvent = async (datum: EvalCase) => {
    const origin = spec.originOf ? await spec.originOf(datum) : datum.origin;
    const expected = "expected" in datum ? datum.expected : undefined;
    return { origin, expected, event: { input: datum.input, expected, tags: datum.tags, origin } as Record<string, unknown> };
  };
  const runCase = async (datum: EvalCase, trialIndex: number): Promise<void> => {
    const { origin, expected, event } = await rootEvent(datum);
    await spec.openRootSpan({ name: "eval", spanAttributes: { type: "eval" }, event }, async (rootSpan) => {
      const started: CaseStarted = { id: rootSpan.id, ...(origin ? { origin } : {}) };
      const startedAt = performance.now();
      const deadline = abortScope(budget ? [signal, budget.signal] : [signal], {
        ms: spec.caseTimeoutMs,
        reason: () => new CaseTimeoutError(`case timed out after ${spec.caseTimeoutMs} ms`),
      });
      const caseSignal = deadline.signal;
      const metadata: Record<string, unknown> = { ...(datum.metadata ?? {}) };
      let output: unknown;
      const scores: Record<string, number | null> = {};
      try {
        const hooksTags = [...(datum.tags ?? [])];
        output = await rootSpan.traced(
          async (taskSpan) => {
            const hooks: TaskHooks = {
              metadata,
              meta: (value) => Object.assign(metadata, value),
              expected,
              span: taskSpan,
              parameters: spec.parameters,
              reportProgress: (progress) => listener.onTaskProgress?.(progress, started),
              trialIndex,
              tags: hooksTags,
              signal: caseSignal,
              runId,
              ...(spec.caller ? { caller: spec.caller } : {}),
            };
            const aborted = untilAborted(caseSignal);
            try {
              const result = await Promise.race([Promise.resolve(evaluator.task(datum.input, hooks)), aborted.promise]);
              taskSpan.log({ output: result });
              return result;
            } catch (e) {
              // Its deadline or the run's budget stopped it, whatever the task made of that.
              if (caseSignal.aborted && !signal.aborted) throw caseSignal.reason;
              // The SDK records what leaves this callback in the task span.
              throw redacted(e, spec.redact);
            } finally {
              aborted.dispose();
            }
          },
          { name: "task", spanAttributes: { type: "task" }, event: { input: datum.input } },
        );
        rootSpan.log(hooksTags.length ? { output, metadata, expected, tags: hooksTags } : { output, metadata, expected });
        await passGate();

        const args = { id: datum.id, input: datum.input, expected, metadata, output, tags: hooksTags };
        const outcomes = await Promise.all(
          spec.scorers.map(async (scorer, i) => {
            try {
              const prepared = await rootSpan.traced(
                async (scoreSpan) => {
                  let p: ReturnType<typeof prepareScore>;
                  try {
                    p = prepareScore(await scorer(args), names[i]);
                  } catch (e) {
                    throw redacted(e, spec.redact);
                  }
                  if (p) scoreSpan.log({ output: p.output, metadata: p.metadata as never, scores: p.scores });
                  return p;
                },
                {
                  name: names[i],
                  spanAttributes: { type: "score", purpose: "scorer" },
                  propagatedEvent: spec.scorerPropagatedEvent,
                  event: { input: args },
                },
              );
              return { ok: true as const, prepared };
            } catch (error) {
              return { ok: false as const, name: names[i], error };
            }
          }),
        );
        const scorerErrors: Record<string, string> = {};
        for (const o of outcomes) {
          if (o.ok) Object.assign(scores, o.prepared?.scores ?? {});
          else scorerErrors[o.name] = o.error instanceof Error ? (o.error.stack ?? o.error.message) : String(o.error);
        }
        if (Object.keys(scorerErrors).length) {
          metadata.scorer_errors = scorerErrors;
          rootSpan.log({ metadata: { scorer_errors: scorerErrors } });
        }
        totals.scores.add(scores);
        budget?.caseFinished(performance.now() - startedAt);
        listener.onCaseFinished?.({ ...started, output, scores });
      } catch (e) {
        const error = redacted(e, spec.redact);
        logError(rootSpan, error);
        totals.failed++;
        listener.onCaseFinished?.({ ...started, scores, error: error.message });
      } finally {
        deadline.dispose();
        totals.cases++;
      }
    });
  };

  /** A case the budget left no time for: its row, with the error, and its report. */
  const notRun = async (datum: EvalCase) => {
    const { origin, event } = await rootEvent(datum);
    await spec.openRootSpan({ name: "eval", spanAttributes: { type: "eval" }, event }, async (rootSpan) => {
      const error = new TimeBudgetError(budget!.notRunMessage);
      if (datum.metadata) rootSpan.log({ metadata: datum.metadata });
      logError(rootSpan, error);
      totals.cases++;
      totals.failed++;
      listener.onCaseFinished?.({ id: rootSpan.id, ...(origin ? { origin } : {}), scores: {}, error: error.message });
    });
  };

  const source = trials(spec);
  /** Taken from the source when the budget said not to start it. */
  const leftOver: EvalCase[] = [];
  const worker = async () => {
    for (;;) {
      await passGate();
      if (signal.aborted) return;
      if (budget && !budget.canStart()) return;
      const next = await source.next();
      if (next.done) return;
      if (budget && !budget.canStart()) {
        leftOver.push(next.value.datum);
        return;
      }
      await runCase(next.value.datum, next.value.trialIndex);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("run cancelled");
  if (budget) {
    // Every case not started is still reported. A source that pages (a dataset) may not be read to its end before
    // the budget's own end: the cases it never gave are then not reported.
    for (const datum of leftOver) await notRun(datum);
    for (;;) {
      const next = await budget.beforeEnd(source.next(), () => ({ done: true as const, value: undefined }));
      if (next.done) break;
      await passGate();
      await notRun(next.value.datum);
    }
  }
  return totals;
}
