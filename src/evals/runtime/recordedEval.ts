// An evaluator run outside the Playground (`npm run eval`): its cases go through the runner into an experiment of
// the Recorder (the local store without BRAINTRUST_API_KEY, Braintrust with it), the same span tree as /eval's.
import type { Span } from "braintrust";
import { messageOf } from "../../errors.js";
import type { ExperimentHandle, Recorder, RecorderSpan, SpanEvent, SpanType, StartSpanArgs } from "../../recorder/types.js";
import { runEvaluator, type CaseFinished, type OpenRootSpan, type RunTotals } from "./runner.js";
import type { EvalCase, RegisteredEvaluator } from "./types.js";

/** What the runner's span calls carry (the SDK's shape): a type may come as spanAttributes.type. */
interface SdkSpanArgs {
  name?: string;
  type?: SpanType;
  spanAttributes?: { type?: SpanType };
  event?: Record<string, unknown>;
  startTime?: number;
}

const recorderArgs = (a: SdkSpanArgs = {}): StartSpanArgs => ({
  name: a.name,
  type: a.type ?? a.spanAttributes?.type,
  event: a.event,
  startTime: a.startTime,
});

/** A Recorder span with the SDK span's `traced`, which is what the runner calls: start a child, run, record a throw, end. */
function asRunnerSpan(span: RecorderSpan): Span {
  const runnerSpan = {
    get id() {
      return span.id;
    },
    get spanId() {
      return span.spanId;
    },
    get rootSpanId() {
      return span.rootSpanId;
    },
    log: (event: SpanEvent) => span.log(event),
    end: (args?: { endTime?: number }) => span.end(args),
    startSpan: (args?: SdkSpanArgs) => asRunnerSpan(span.startSpan(recorderArgs(args))),
    async traced<R>(callback: (child: Span) => Promise<R> | R, args?: SdkSpanArgs): Promise<R> {
      const child = span.startSpan(recorderArgs(args));
      try {
        return await callback(asRunnerSpan(child));
      } catch (e) {
        child.log({ error: e instanceof Error && e.stack ? e.stack : messageOf(e) });
        throw e;
      } finally {
        child.end();
      }
    },
  };
  return runnerSpan as unknown as Span;
}

/** Each case a root span of the experiment. */
function experimentRootSpans(experiment: ExperimentHandle): OpenRootSpan {
  return async (args, callback) => {
    const root = experiment.startSpan({ name: args.name, type: "eval", event: args.event });
    try {
      return await callback(asRunnerSpan(root));
    } finally {
      root.end();
    }
  };
}

export interface RecordedEvalRequest {
  entry: RegisteredEvaluator;
  cases: EvalCase[];
  /** Validated against the evaluator's declarations. */
  parameters: Record<string, unknown>;
  experimentName: string;
  /** Recorded with the experiment; `source: "eval"` tells the viewer how to read it. */
  metadata: Record<string, unknown>;
}

export interface RecordedEvalLimits {
  signal: AbortSignal;
  defaultConcurrency: number;
  caseTimeoutMs: number;
  redact: (text: string) => string;
}

export interface RecordedEvalResult {
  experiment: { id: string; name: string; url?: string };
  totals: RunTotals;
}

export interface RecordedEvalListener {
  /** A case (one trial of it, with runner-level trials) ended; `input` is the case's. */
  onCaseFinished?(result: CaseFinished & { input: unknown }): void;
}

export async function runRecordedEval(
  recorder: Recorder,
  request: RecordedEvalRequest,
  limits: RecordedEvalLimits,
  listener: RecordedEvalListener = {},
): Promise<RecordedEvalResult> {
  const { entry } = request;
  const inputs = new Map<string, unknown>();
  const experiment = await recorder.experiment(entry.projectName, request.experimentName, {
    metadata: { ...request.metadata, source: "eval", evaluator: entry.name },
    description: `${entry.name}: ${request.cases.length} case(s)`,
  });
  try {
    const totals = await runEvaluator(
      {
        entry,
        cases: request.cases,
        parameters: request.parameters,
        scorers: entry.evaluator.scores ?? [],
        openRootSpan: (args, callback) =>
          experimentRootSpans(experiment)(args, (span) => {
            inputs.set(span.id, args.event.input);
            return callback(span);
          }),
        scorerPropagatedEvent: {},
        defaultConcurrency: limits.defaultConcurrency,
        caseTimeoutMs: limits.caseTimeoutMs,
        signal: limits.signal,
        redact: limits.redact,
      },
      {
        onCaseFinished: (result) => {
          listener.onCaseFinished?.({ ...result, input: inputs.get(result.id) });
          inputs.delete(result.id);
        },
      },
    );
    const url = await experiment.url();
    return { experiment: { id: await experiment.id(), name: experiment.name, ...(url ? { url } : {}) }, totals };
  } finally {
    await experiment.flush();
  }
}
