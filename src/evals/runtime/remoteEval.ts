// One /eval request as the Braintrust Playground sends it: resolve its data, open an experiment (or log under
// the Playground's parent), run the evaluator, flush every row to Braintrust, then summarize.
import {
  flush,
  initDataset,
  initExperiment,
  spanComponentsToObjectId,
  withParent,
  type BraintrustState,
  type Dataset,
  type Experiment,
  type ExperimentSummary,
} from "braintrust";
import { SpanComponentsV4, mergeDicts } from "braintrust/util";
import { ZodError } from "zod";
import { AppError, messageOf } from "../../errors.js";
import { rowRoots } from "../../braintrust/caseRows.js";
import { watchFlushErrors } from "../../braintrust/flushErrors.js";
import type { SecretRedactor } from "../../lib/secretRedactor.js";
import { makeRemoteScorer, type PlaygroundScorer } from "./remoteScorer.js";
import { runEvaluator, type OpenRootSpan, type RunnerListener } from "./runner.js";
import type { TimeBudget } from "./timeBudget.js";
import { NOT_AN_EXPORTED_SPAN, type Caller, type EvalData, type EvalParent } from "./request.js";
import type { EvalCase, RegisteredEvaluator } from "./types.js";

export interface RemoteEvalRequest {
  entry: RegisteredEvaluator;
  /** Already validated against the evaluator's declarations. */
  parameters: Record<string, unknown>;
  data: EvalData;
  scorers: PlaygroundScorer[];
  experimentName?: string;
  projectId?: string;
  parent?: EvalParent;
}

export interface RemoteEvalListener extends RunnerListener {
  /** Experiment mode only: the new experiment, before any case runs. */
  onStart?(summary: ExperimentSummary): void;
}

export interface RemoteEvalLimits {
  signal: AbortSignal;
  defaultConcurrency: number;
  caseTimeoutMs: number;
  /** EVAL_TIME_BUDGET_MS, counted from the request's arrival. */
  budget?: TimeBudget;
  /** For every error this run reports or records: what Braintrust or a model endpoint said may quote a key. */
  redactor: SecretRedactor;
}

const OBJECT_TYPE = { experiment: 1, project_logs: 2, playground_logs: 3 } as const;

/** The parent as an exported span slug, which is what the SDK logs under (as the SDK's `parseParent` makes it). */
function parentSlug(parent: EvalParent): string {
  if (typeof parent === "string") return parent;
  return new SpanComponentsV4({
    object_type: OBJECT_TYPE[parent.object_type],
    object_id: parent.object_id,
    row_id: parent.row_ids?.id,
    span_id: parent.row_ids?.span_id,
    root_span_id: parent.row_ids?.root_span_id,
    propagated_event: parent.propagated_event ?? undefined,
  } as never).toStr();
}

/** A `parent` string the SDK cannot decode: a 400, as for any field that fails the body's schema. */
export function assertExportedSpan(parent: EvalParent | undefined): void {
  if (typeof parent !== "string") return;
  try {
    SpanComponentsV4.fromStr(parent);
  } catch {
    throw new ZodError([{ code: "custom", path: ["parent"], message: NOT_AN_EXPORTED_SPAN, input: parent }]);
  }
}

function resolveDataset(state: BraintrustState, data: EvalData): Dataset | undefined {
  const common = (d: { dataset_version?: string | null; dataset_environment?: string | null; _internal_btql?: Record<string, unknown> | null }) => ({
    state,
    version: d.dataset_version ?? undefined,
    environment: d.dataset_environment ?? undefined,
    _internal_btql: d._internal_btql ?? undefined,
  });
  if ("dataset_id" in data) return initDataset({ ...common(data), datasetId: data.dataset_id } as never);
  if ("project_name" in data) {
    return initDataset({ ...common(data), project: data.project_name, dataset: data.dataset_name } as never);
  }
  return undefined;
}

/** A Braintrust object the request names (project, dataset, base experiment) that does not exist: the caller's 404. */
async function named<T>(lookup: Promise<T>, redactor: SecretRedactor): Promise<T> {
  try {
    return await lookup;
  } catch (e) {
    const status = (e as { status?: unknown } | undefined)?.status;
    if (status === 404 || /\bnot found\b/i.test(messageOf(e))) throw new AppError("NOT_FOUND", redactor.text(messageOf(e)));
    throw e;
  }
}

/** The AI proxy of the caller's org, as the SDK's proxy connection uses it (without a trailing /v1/proxy). */
function proxyBase(state: BraintrustState): string {
  const url = (state as unknown as { proxyUrl?: string | null; apiUrl?: string | null }).proxyUrl ?? state.apiUrl ?? "";
  return url.replace(/\/v1\/proxy\/?$/, "");
}

export async function runRemoteEval(
  caller: Caller,
  request: RemoteEvalRequest,
  listener: RemoteEvalListener,
  limits: RemoteEvalLimits,
): Promise<ExperimentSummary> {
  const state = await caller.login.state();
  const { entry, data } = request;
  const dataset = resolveDataset(state, data);
  const baseExperimentName = "experiment_name" in data ? data.experiment_name : undefined;
  const playground = request.parent !== undefined;
  if (playground && baseExperimentName !== undefined) {
    throw new AppError(
      "BAD_REQUEST",
      "data.experiment_name (an experiment's rows as data) needs experiment mode: send no parent",
    );
  }

  // Without project_id the experiment goes to the evaluator's own project (`braintrust eval --dev` used
  // "worker-thread", docs/devserver-protocol.md §14).
  const where = request.projectId ? { projectId: request.projectId } : { project: entry.projectName };
  let experiment: Experiment | undefined;
  let started: ExperimentSummary | undefined;
  if (!playground) {
    experiment = initExperiment({
      state,
      ...where,
      experiment: request.experimentName,
      dataset,
      ...(baseExperimentName ? { baseExperiment: baseExperimentName } : {}),
      setCurrent: false,
    } as never);
    await named(experiment.id, limits.redactor);
    started = await experiment.summarize({ summarizeScores: false });
    listener.onStart?.(started);
  }

  const baseExperiment =
    baseExperimentName === undefined
      ? undefined
      : (initExperiment({ state, ...where, experiment: baseExperimentName, open: true, setCurrent: false } as never) as unknown as {
          id: Promise<string>;
          asDataset(): AsyncIterable<EvalCase>;
        });
  if (baseExperiment) await named(baseExperiment.id, limits.redactor);
  const cases: AsyncIterable<EvalCase> | Iterable<EvalCase> = dataset
    ? dataset
    : baseExperiment
      ? baseExperiment.asDataset()
      : ((data as { data: unknown[] }).data as EvalCase[]);

  const datasetId = dataset ? await named(dataset.id, limits.redactor) : undefined;
  const originOf = datasetId
    ? async (d: EvalCase) =>
        d.id && d._xact_id
          ? { object_type: "dataset", object_id: datasetId, id: d.id, created: d.created, _xact_id: d._xact_id }
          : d.origin
    : undefined;

  const slug = request.parent !== undefined ? parentSlug(request.parent) : undefined;
  const parent = slug ? SpanComponentsV4.fromStr(slug).data : undefined;
  const parentEvent = parent?.propagated_event ?? {};
  // Each case's rows are built by caseRows.ts, where the SDK's spans would have put them: the experiment, or the
  // Playground's log (under its parent row when the parent names one, with its generation on every row).
  const openRootSpan: OpenRootSpan = await rowRoots(
    experiment
      ? { state, objectType: OBJECT_TYPE.experiment, objectId: await experiment.id }
      : {
          state,
          objectType: parent!.object_type,
          objectId: await spanComponentsToObjectId({ components: SpanComponentsV4.fromStr(slug!), state }),
          parentSpanIds:
            parent!.row_id && parent!.span_id && parent!.root_span_id
              ? { spanId: parent!.span_id, rootSpanId: parent!.root_span_id }
              : undefined,
          propagatedEvent: parent!.propagated_event ?? undefined,
        },
  );

  const scorers = [
    ...(entry.evaluator.scores ?? []),
    ...request.scorers.map((s) => makeRemoteScorer(state, s, caller)),
  ];
  const run = () =>
    runEvaluator(
      {
        entry,
        cases,
        parameters: request.parameters,
        scorers,
        openRootSpan,
        // A deep copy: mergeDicts writes into the nested span_attributes, which the case and task rows share.
        scorerPropagatedEvent: mergeDicts(structuredClone(parentEvent), { span_attributes: { purpose: "scorer" } }),
        originOf,
        defaultConcurrency: limits.defaultConcurrency,
        caseTimeoutMs: limits.caseTimeoutMs,
        signal: limits.signal,
        budget: limits.budget,
        redact: limits.redactor.text,
        caller: { id: caller.id, token: caller.token, proxyUrl: proxyBase(state), orgName: caller.orgName },
      },
      listener,
    );

  const flushErrors = watchFlushErrors(state);
  const flushAll = async () => {
    await (experiment ? experiment.flush() : flush({ state }));
    if (flushErrors.errors.length > 0) {
      const detail = flushErrors.errors.map(messageOf).join("; ");
      throw new AppError("UPSTREAM_FAILED", limits.redactor.text(`Braintrust did not accept some of this run's rows: ${detail}`));
    }
  };
  // Past the budget's end the answer goes out without waiting for Braintrust (see timeBudget.ts).
  const untilEnd = <T>(work: Promise<T>, otherwise: () => T) => (limits.budget ? limits.budget.beforeEnd(work, otherwise) : work);
  try {
    const totals = slug ? await withParent(slug, run, state) : await run();
    // Rows reach Braintrust before the summary: the Playground fills its grid from them.
    await untilEnd(flushAll(), () => undefined);
    const local = { projectName: entry.projectName, experimentName: entry.name, scores: totals.scores.summary() };
    if (experiment) return await untilEnd(experiment.summarize(), () => ({ ...started!, scores: local.scores }));
    return local;
  } catch (e) {
    // Whatever was logged before a failure or a cancellation still lands.
    await untilEnd(flushAll().catch(() => {}), () => undefined);
    throw e;
  } finally {
    flushErrors.stop();
  }
}
