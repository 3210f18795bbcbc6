// Publishing the evaluator's inputs through the Recorder: the twelve tasks as the `SQL Gen Tasks` dataset (the
// one the Playground runs `sema4-demo` on) and the agent's system prompt as a saved prompt. Both are upserts by
// stable id / slug, so pushing twice changes nothing the second time.
import { systemPromptDefinition } from "../../agent/systemPrompt.js";
import { SQL_DATASET_NAME, SQL_TASKS, taskToCase } from "../../data/tasks.js";
import type { Recorder } from "../../recorder/types.js";

export interface DatasetPush {
  project: string;
  dataset: string;
  dataset_id: string;
  rows: number;
  new_rows: number;
  store: Recorder["kind"];
}

export interface PromptPush {
  project: string;
  slug: string;
  id: string;
  changed: boolean;
  store: Recorder["kind"];
}

export async function pushSqlDataset(recorder: Recorder, project: string): Promise<DatasetPush> {
  const dataset = recorder.dataset(project, SQL_DATASET_NAME);
  const { rows, newRows } = await dataset.upsert(SQL_TASKS.map(taskToCase));
  await recorder.flush();
  return { project, dataset: SQL_DATASET_NAME, dataset_id: await dataset.id(), rows, new_rows: newRows, store: recorder.kind };
}

export async function pushSystemPrompt(recorder: Recorder, project: string, model: string): Promise<PromptPush> {
  const prompt = systemPromptDefinition(model);
  const { id, changed } = await recorder.upsertPrompt(project, prompt);
  return { project, slug: prompt.slug, id, changed, store: recorder.kind };
}
