// Pass 2: what the validation pass accepted goes to the Recorder. Dataset rows first, then per run an experiment
// with one row per task (scores, metrics), a child span per trial, and the conversation under each trial.
import { throwIfCancelled } from "../cancelled.js";
import { REQUEST_BODY } from "../compute/naming.js";
import { isDeepStrictEqual } from "node:util";
import { INFRASTRUCTURE_ERROR, taskMeanReward, taskPassAtK, taskPassHatK, type Tau2Metrics, type TaskStats } from "../../metrics/tau2.js";
import type { DatasetHandle, ExperimentHandle, Recorder, RecorderSpan, SpanEvent } from "../../recorder/types.js";
import { simulationsByTask, type Run, type RunSimulation } from "../compute/groupRuns.js";
import { mean } from "../compute/metricsReport.js";
import type { MessageRecord } from "../compute/resultsFormats.js";
import type { SimulationSummary } from "../compute/validationPass.js";
import type { ItemReader } from "../read/itemReader.js";
import { redactSecrets } from "../../lib/redactSecrets.js";
import { conversationSpans, deterministicId, epochSeconds, type SpanSpec } from "./conversationSpans.js";
import { datasetRow, taskDefinition, type TaskDefinition } from "./datasetRows.js";

export interface WriteContext {
  recorder: Recorder;
  reader: ItemReader;
  project: string;
  signal?: AbortSignal;
  /** Called after each simulation written. */
  onSimulation?: () => void;
}

/** Write to the store in batches of this many message bytes, so the SDK's queue stays small. */
const FLUSH_EVERY_BYTES = 16 * 1024 * 1024;
/** Dataset rows per upsert: a call per task would be a request per row against Braintrust. */
const DATASET_BATCH = 200;

/** Upserts the task definitions of these runs (all with the same dataset name); returns them by task id. */
export async function writeDataset(
  handle: DatasetHandle,
  runs: readonly Run[],
  ctx: WriteContext,
): Promise<{ rows: number; newRows: number; definitions: Map<string, TaskDefinition>; conflicts: string[] }> {
  const definitions = new Map<string, TaskDefinition>();
  const conflicts: string[] = [];
  let rows = 0;
  let newRows = 0;
  let batch: ReturnType<typeof datasetRow>[] = [];
  const send = async () => {
    if (batch.length === 0) return;
    const result = await handle.upsert(batch);
    rows += result.rows;
    newRows += result.newRows;
    batch = [];
  };
  for (const run of runs) {
    for (const task of run.tasks) {
      throwIfCancelled(ctx.signal);
      const item = await ctx.reader.read(task.path, task.ref, `task ${task.id}`);
      const definition = taskDefinition(item, run.header.format);
      const known = definitions.get(task.id);
      if (known) {
        if (!isDeepStrictEqual(known, definition)) conflicts.push(task.id);
        continue;
      }
      definitions.set(task.id, definition);
      batch.push(redactSecrets(datasetRow(task.id, definition, run.header)));
      if (batch.length >= DATASET_BATCH) await send();
    }
  }
  await send();
  return { rows, newRows, definitions, conflicts };
}

export interface ExperimentTarget {
  name: string;
  dataset?: DatasetHandle;
  definitions: Map<string, TaskDefinition>;
  metrics: Tau2Metrics;
  metadata: Record<string, unknown>;
}

/**
 * Writes one run as one experiment; returns how many of its rows are new. Every event is redacted here, the one
 * place rows leave for the store.
 */
export async function writeExperiment(run: Run, target: ExperimentTarget, ctx: WriteContext): Promise<{
  experiment: ExperimentHandle;
  newRows: number;
}> {
  const experiment = await ctx.recorder.experiment(ctx.project, target.name, {
    update: true,
    dataset: target.dataset,
    metadata: redactSecrets(target.metadata),
    bulk: true,
    description: describeRun(run),
  });
  try {
    return { experiment, newRows: await writeRows(experiment, run, target, ctx) };
  } catch (error) {
    // What was written is kept, not left pending (a local bulk transaction would hold other writers' rows too).
    await experiment.flush().catch(() => undefined);
    throw error;
  }
}

async function writeRows(experiment: ExperimentHandle, run: Run, target: ExperimentTarget, ctx: WriteContext): Promise<number> {
  const existing = await experiment.existingRowIds();
  const datasetId = target.dataset && (await target.dataset.id());
  const stats = new Map(target.metrics.perTask.map((t) => [t.taskId, t]));
  let newRows = 0;
  let pendingBytes = 0;
  for (const [taskId, simulations] of simulationsByTask(run)) {
    throwIfCancelled(ctx.signal);
    const rowId = deterministicId(`tau2-row\u0000${run.header.domain}\u0000${taskId}`);
    if (!existing.has(rowId)) newRows++;
    const definition = target.definitions.get(taskId);
    const root = experiment.startSpan({
      name: taskId,
      type: "eval",
      startTime: earliest(simulations),
      event: redactSecrets<SpanEvent>({
        id: rowId,
        input: definition?.input ?? { task_id: taskId },
        expected: definition?.expected ?? null,
        metadata: { domain: run.header.domain, task_id: taskId },
        ...(datasetId && definition ? { origin: { object_type: "dataset", object_id: datasetId, id: taskId } } : {}),
      }),
    });
    const trials = [];
    for (const sim of simulations) {
      const record = await readSimulation(ctx, sim);
      pendingBytes += sim.ref.length;
      trials.push(writeTrial(root, rowId, sim, record, run));
      ctx.onSimulation?.();
    }
    root.log(redactSecrets(rowResult(trials, stats.get(taskId), target.metrics.maxK)));
    root.end({ endTime: latest(simulations) });
    if (pendingBytes >= FLUSH_EVERY_BYTES) {
      await experiment.flush();
      pendingBytes = 0;
    }
  }
  await experiment.flush();
  return newRows;
}

interface SimulationContent {
  messages: MessageRecord[];
  rewardInfo: unknown;
  seed: unknown;
}

async function readSimulation(ctx: WriteContext, sim: RunSimulation): Promise<SimulationContent> {
  // The validation pass checked these same bytes against the schemas.
  const item = (await ctx.reader.read(sim.path, sim.ref, `simulation ${sim.index}`)) as Record<string, unknown>;
  // tau-bench v1 keeps the conversation in `traj` and the grading in `info.reward_info`.
  const v1Info = item.traj !== undefined ? (item.info as Record<string, unknown> | null | undefined) : undefined;
  return {
    messages: ((item.traj ?? item.messages) as MessageRecord[] | null | undefined) ?? [],
    rewardInfo: (v1Info ? v1Info.reward_info : item.reward_info) ?? null,
    seed: item.seed ?? null,
  };
}

/** What the row needs of each trial; reward is null for a trial the metrics leave out. */
type TrialResult = Pick<SimulationSummary, "trial" | "reward" | "termination" | "agentCost" | "userCost" | "duration" | "turns">;

function writeTrial(root: RecorderSpan, rowId: string, sim: RunSimulation, record: SimulationContent, run: Run): TrialResult {
  const trialId = deterministicId(`${rowId}\u0000${sim.id ?? `${sim.path}#${sim.index}`}`);
  const excluded = run.header.rule === "tau2" && sim.termination === INFRASTRUCTURE_ERROR;
  const span = root.startSpan({
    name: `trial ${sim.trial ?? sim.index}`,
    type: "task",
    startTime: epochSeconds(sim.startTime),
    event: redactSecrets<SpanEvent>({
      id: trialId,
      input: { task_id: sim.taskId, trial: sim.trial, seed: record.seed },
      output: {
        reward: sim.reward,
        termination_reason: sim.termination,
        reward_info: record.rewardInfo,
      },
      metadata: {
        simulation_id: sim.id,
        trial: sim.trial,
        termination_reason: sim.termination,
        agent_cost: sim.agentCost,
        user_cost: sim.userCost,
        duration: sim.duration,
        turns: sim.turns,
        start_time: sim.startTime,
        end_time: sim.endTime,
        ...(excluded ? { excluded_from_metrics: "infrastructure_error" } : {}),
      },
    }),
  });
  const speakers = { agentModel: run.header.agentModel, userModel: run.header.userModel };
  for (const spec of conversationSpans(record.messages, trialId, speakers)) writeSpan(span, spec);
  span.end({ endTime: epochSeconds(sim.endTime) });
  return {
    trial: sim.trial,
    reward: excluded ? null : sim.reward,
    termination: sim.termination,
    agentCost: sim.agentCost,
    userCost: sim.userCost,
    duration: sim.duration,
    turns: sim.turns,
  };
}

function writeSpan(parent: RecorderSpan, spec: SpanSpec): void {
  const event: SpanEvent = { id: spec.id, input: spec.input, output: spec.output, metadata: spec.metadata };
  if (Object.keys(spec.metrics).length > 0) event.metrics = spec.metrics;
  if (spec.error !== undefined) event.error = spec.error;
  const span = parent.startSpan({ name: spec.name, type: spec.type, startTime: spec.start, event: redactSecrets(event) });
  span.end({ endTime: spec.end });
}

/**
 * The row's scores (over the trials tau2 counts) and metrics. Only the root carries metrics: stores add a trace's
 * metrics up, so trial and message spans keep their costs in metadata.
 */
function rowResult(trials: TrialResult[], stats: TaskStats | undefined, maxK: number): SpanEvent {
  const scores: Record<string, number> = {};
  const reward = stats && taskMeanReward(stats);
  if (stats && reward !== null && reward !== undefined) scores.reward = clamp01(reward);
  if (stats && maxK > 0 && stats.n >= maxK) {
    scores.pass_at_k = taskPassAtK(stats, maxK);
    scores.pass_exp_k = taskPassHatK(stats, maxK);
    for (let k = 1; k <= maxK; k++) scores[`pass^${k}`] = taskPassHatK(stats, k);
  }
  const metrics: Record<string, number> = { trials: trials.length, successes: stats?.successes ?? 0 };
  const put = (name: string, value: number | null) => {
    if (value !== null) metrics[name] = value;
  };
  put("cost", mean(trials.map((t) => t.agentCost)));
  put("user_cost", mean(trials.map((t) => t.userCost)));
  put("duration", mean(trials.map((t) => t.duration)));
  put("turns", mean(trials.map((t) => t.turns)));
  const terminations: Record<string, number> = {};
  for (const t of trials) {
    const reason = t.termination ?? "unknown";
    terminations[reason] = (terminations[reason] ?? 0) + 1;
    metrics[`termination_${reason}`] = terminations[reason];
  }
  return {
    output: {
      trials: trials.map((t) => ({ trial: t.trial, reward: t.reward, termination_reason: t.termination })),
      successes: stats?.successes ?? 0,
    },
    scores,
    metrics,
    metadata: { terminations, ...(stats ? {} : { excluded_from_metrics: "no simulation counts" }) },
  };
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function earliest(simulations: RunSimulation[]): number | undefined {
  const times = simulations.map((s) => epochSeconds(s.startTime)).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.min(...times) : undefined;
}

function latest(simulations: RunSimulation[]): number | undefined {
  const times = simulations.map((s) => epochSeconds(s.endTime)).filter((t): t is number => t !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

const FORMAT_NAMES: Record<Run["header"]["format"], string> = {
  tau2: "tau2-bench results",
  "tau2-dir": "tau2-bench directory run",
  "simulation-list": "tau2-bench simulations",
  "tau-bench-v1": "tau-bench (v1) results",
};

/** What the experiment is, in a line: its format, agent model and domain, and the file it came from. */
function describeRun(run: Run): string {
  const model = run.header.agentModel ?? "an agent model the file does not name";
  const from = run.label === REQUEST_BODY ? "" : `, from ${run.label}`;
  return `${FORMAT_NAMES[run.header.format]} of ${model} on ${run.header.domain}${from}`;
}
