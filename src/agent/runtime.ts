// What the SQL agent needs at run time, assembled once from config: the seeded database, the sandbox, the
// service's model endpoint and the agent's limits. The service, the CLIs and `npx braintrust eval` share it (built
// in src/services.ts); POST /agent and `npm run agent` ask their questions through ask.ts.
import { createModelClient, serviceModelAccess, type ModelAccess, type ModelClient } from "./modelClient.js";
import type { Config } from "../config.js";
import { setupDb } from "../data/seed.js";
import type { SecretRedactor } from "../lib/secretRedactor.js";
import type { Logger } from "../logger.js";
import { createSandboxFactory } from "../sandbox/index.js";
import type { SandboxFactory } from "../sandbox/types.js";

export interface AgentRuntime {
  dbPath: string;
  sandboxFactory: SandboxFactory;
  /** The service's own model endpoint, if one is configured. */
  modelAccess: ModelAccess | undefined;
  /** Playground callers of these Braintrust orgs may run on the service's model endpoint (DEV_ORG_NAME, SERVICE_MODEL_ORGS). */
  serviceModelOrgs: string[];
  modelClient: (access: ModelAccess) => ModelClient;
  defaults: { model: string; maxSteps: number; timeoutMs: number };
  /** Agent runs at once in all `sema4-demo` evals (AGENT_CONCURRENCY), and in one (AGENT_CONCURRENCY_PER_EVAL). */
  concurrency: { service: number; perEval: number };
  /** Keeps the service's keys from the model, the traces and the callers. */
  redactor: SecretRedactor;
}

/** Builds the database if needed and takes the given sandbox factory, or starts one (the caller closes it). */
export async function createAgentRuntime(
  config: Config,
  logger: Logger,
  redactor: SecretRedactor,
  sandboxFactory?: SandboxFactory,
): Promise<AgentRuntime> {
  const dbPath = setupDb(config.SEMA4_DB_PATH);
  return {
    dbPath,
    sandboxFactory: sandboxFactory ?? (await createSandboxFactory(config, logger, { probeDbPath: dbPath })),
    modelAccess: serviceModelAccess(config),
    serviceModelOrgs: [config.DEV_ORG_NAME, ...(config.SERVICE_MODEL_ORGS ?? [])].filter((o): o is string => !!o),
    modelClient: (access) => createModelClient(access, { redactor }),
    defaults: { model: config.AGENT_MODEL, maxSteps: config.AGENT_MAX_STEPS, timeoutMs: config.AGENT_TIMEOUT_MS },
    concurrency: { service: config.AGENT_CONCURRENCY, perEval: config.AGENT_CONCURRENCY_PER_EVAL },
    redactor,
  };
}
