// The `sema4-demo` evaluator outside the service (`npx braintrust eval`): it builds its own database, sandbox
// and model client from the environment's settings, and reads its cases from the `SQL Gen Tasks` dataset when
// Braintrust can be reached, else from the built-in tasks.
import { initDataset } from "braintrust";
import type { Config } from "../../config.js";
import { SQL_DATASET_NAME, SQL_TASKS, taskToCase } from "../../data/tasks.js";
import type { Logger } from "../../logger.js";
import { Services } from "../../services.js";
import { createSqlGenEvaluator, sqlGenDeps } from "./evaluator.js";
import type { EvalCase, EvaluatorDef } from "../runtime/types.js";

async function datasetCases(config: Config, logger: Logger): Promise<EvalCase[]> {
  const builtIn = () => SQL_TASKS.map(taskToCase);
  if (!config.BRAINTRUST_API_KEY) return builtIn();
  try {
    const dataset = initDataset({
      project: config.BRAINTRUST_PROJECT,
      dataset: SQL_DATASET_NAME,
      apiKey: config.BRAINTRUST_API_KEY,
      appUrl: config.BRAINTRUST_APP_URL,
      orgName: config.BRAINTRUST_ORG_NAME,
    });
    const rows = await dataset.fetchedData();
    if (rows.length > 0) {
      return rows.map((r) => ({ id: r.id, input: r.input, expected: r.expected, metadata: r.metadata ?? undefined, tags: r.tags ?? undefined }));
    }
    logger.warn(`dataset '${SQL_DATASET_NAME}' is empty (npm run push:dataset fills it): using the built-in tasks`);
  } catch (e) {
    logger.warn({ err: e }, `cannot read dataset '${SQL_DATASET_NAME}': using the built-in tasks`);
  }
  return builtIn();
}

export async function createStandaloneSqlGenEvaluator(
  config: Config,
  logger: Logger,
): Promise<{ evaluator: EvaluatorDef; close(): Promise<void> }> {
  const services = new Services(config, { logger });
  const evaluator = createSqlGenEvaluator(sqlGenDeps(await services.agentRuntime(), () => datasetCases(config, logger)));
  return { evaluator, close: () => services.close() };
}
