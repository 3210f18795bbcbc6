// What one task becomes: a dataset row (input = what the agent and user simulator are given, expected = the
// evaluation criteria), and the input/expected its experiment row repeats.
import { createHash } from "node:crypto";
import type { DatasetRow } from "../../recorder/types.js";
import type { RunHeader } from "../compute/groupRuns.js";

export interface TaskDefinition {
  input: Record<string, unknown>;
  expected: unknown;
}

const TAU2_INPUT_KEYS = ["description", "user_scenario", "ticket", "initial_state"] as const;
const TAU2_EXTRA_KEYS = ["required_documents", "user_tools"] as const;

/** The definition from a tau2 Task object, or from a tau-bench v1 run's info.task. */
export function taskDefinition(item: unknown, format: RunHeader["format"]): TaskDefinition {
  const o = (item ?? {}) as Record<string, unknown>;
  if (format === "tau-bench-v1") {
    const task = ((o.info as Record<string, unknown> | undefined)?.task ?? {}) as Record<string, unknown>;
    return {
      input: { user_id: task.user_id ?? null, instruction: task.instruction ?? null },
      expected: { actions: task.actions ?? [], outputs: task.outputs ?? [] },
    };
  }
  const input: Record<string, unknown> = {};
  for (const key of TAU2_INPUT_KEYS) input[key] = o[key] ?? null;
  for (const key of TAU2_EXTRA_KEYS) if (o[key] !== undefined && o[key] !== null) input[key] = o[key];
  return { input, expected: o.evaluation_criteria ?? null };
}

export function datasetRow(taskId: string, definition: TaskDefinition, header: RunHeader): DatasetRow {
  const criteria = definition.expected as { reward_basis?: unknown } | null;
  return {
    id: taskId,
    input: definition.input,
    expected: definition.expected,
    metadata: {
      domain: header.domain,
      version: header.gitCommit ?? header.format,
      source_format: header.format,
      task_id: taskId,
      ...(Array.isArray(criteria?.reward_basis) ? { reward_basis: criteria.reward_basis } : {}),
      // Task definitions change between tau2 versions under the same id: the hash shows drift.
      definition_hash: createHash("sha256").update(JSON.stringify(definition)).digest("hex").slice(0, 16),
    },
  };
}
