// The shapes a results file can take, as lenient zod schemas: only the fields we read are typed, unknown keys
// pass (every tau2 version adds some), and optional fields may be null or absent (docs/tau2-results.md §5).
import { z } from "zod";

/** How a results file (or a part of a tau2 directory run) is laid out. */
export type FileKind =
  /** tau2 `Results`: {timestamp, info, tasks, simulations} (any version, or a wrapper with `simulations`). */
  | "tau2"
  /** tau2 directory format: `results.json` without `simulations`, the runs in `simulations/*.json`. */
  | "tau2-dir-header"
  /** One `simulations/<id>.json` of a directory run. */
  | "tau2-dir-simulation"
  /** A bare JSON array of tau2 SimulationRun objects. */
  | "simulation-list"
  /** tau-bench v1: a JSON array of EnvRunResult ({task_id, reward, info, traj, trial}). */
  | "tau-bench-v1";

const id = z.union([z.string(), z.number()]);
const optionalNumber = z.number().nullish();
const optionalString = z.string().nullish();

export const toolCallSchema = z.looseObject({
  id: id.nullish(),
  name: optionalString,
  arguments: z.unknown().optional(),
  requestor: optionalString,
  // OpenAI chat format (tau-bench v1): {id, type, function: {name, arguments: "<json>"}}
  function: z.looseObject({ name: optionalString, arguments: z.unknown().optional() }).nullish(),
});

export const messageSchema = z.looseObject({
  role: z.string(),
  content: z.unknown().optional(),
  tool_calls: z.array(toolCallSchema).nullish(),
  turn_idx: optionalNumber,
  timestamp: optionalString,
  cost: optionalNumber,
  generation_time_seconds: optionalNumber,
  usage: z.record(z.string(), z.unknown()).nullish(),
  id: id.nullish(),
  tool_call_id: optionalString,
  name: optionalString,
  requestor: optionalString,
  error: z.boolean().nullish(),
  // MultiToolMessage: the schema allows it although no file was seen with one.
  tool_messages: z.array(z.looseObject({ role: optionalString })).nullish(),
});

export const simulationSchema = z.looseObject({
  id: id.nullish(),
  task_id: id,
  trial: z.number().int().nullish(),
  termination_reason: optionalString,
  reward_info: z.looseObject({ reward: optionalNumber }).nullish(),
  agent_cost: optionalNumber,
  user_cost: optionalNumber,
  duration: optionalNumber,
  start_time: optionalString,
  end_time: optionalString,
  seed: optionalNumber,
  messages: z.array(messageSchema).nullish(),
});

export const taskSchema = z.looseObject({
  id,
  description: z.unknown().optional(),
  user_scenario: z.unknown().optional(),
  ticket: z.unknown().optional(),
  initial_state: z.unknown().optional(),
  evaluation_criteria: z.record(z.string(), z.unknown()).nullish(),
});

export const v1ResultSchema = z.looseObject({
  task_id: id,
  reward: optionalNumber,
  trial: z.number().int().nullish(),
  info: z
    .looseObject({
      task: z.record(z.string(), z.unknown()).nullish(),
      user_cost: optionalNumber,
      reward_info: z.unknown().optional(),
      error: z.unknown().optional(),
    })
    .nullish(),
  traj: z.array(messageSchema).nullish(),
});

const participantSchema = z.looseObject({
  implementation: optionalString,
  llm: optionalString,
  llm_args: z.record(z.string(), z.unknown()).nullish(),
});

export const infoSchema = z.looseObject({
  git_commit: optionalString,
  num_trials: z.number().int().nullish(),
  agent_info: participantSchema.nullish(),
  user_info: participantSchema.nullish(),
  environment_info: z.looseObject({ domain_name: optionalString }).nullish(),
});

export type ToolCallRecord = z.infer<typeof toolCallSchema>;
export type MessageRecord = z.infer<typeof messageSchema>;

type Json = Record<string, unknown>;

/** What a top-level array element is: a v1 EnvRunResult or a tau2 SimulationRun. */
export function elementKind(value: unknown): "tau-bench-v1" | "simulation-list" | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const v = value as Json;
  if ("traj" in v) return "tau-bench-v1";
  if ("task_id" in v && ("messages" in v || "reward_info" in v || "termination_reason" in v)) return "simulation-list";
  if ("task_id" in v && "reward" in v && "info" in v) return "tau-bench-v1";
  return undefined;
}

/** What a top-level object is, from its keys (streamed keys included). */
export function objectKind(keys: ReadonlySet<string>): FileKind | undefined {
  if (keys.has("simulations")) return "tau2";
  if (keys.has("info") && keys.has("tasks")) return "tau2-dir-header";
  if (keys.has("task_id") && (keys.has("messages") || keys.has("reward_info") || keys.has("termination_reason"))) {
    return "tau2-dir-simulation";
  }
  return undefined;
}

/** The first issue of a failed parse, as a field path under `where` ("simulations[3].reward_info.reward"). */
export function firstIssue(where: string, error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
  return { field: `${where}${path}`, message: issue.message };
}
