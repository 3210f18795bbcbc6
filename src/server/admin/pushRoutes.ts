// POST /admin/push-dataset and /admin/push-prompt: the SQL tasks and the agent's system prompt, upserted through
// the Recorder (Braintrust, or the local store). Idempotent: a second push reports nothing new or changed.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { lazy } from "../../lib/lazy.js";
import type { Recorder } from "../../recorder/types.js";

export interface PushRoutesOptions {
  recorder: () => Promise<Recorder>;
  project: string;
  /** The prompt's default model (AGENT_MODEL). */
  model: string;
  authorize?: (request: FastifyRequest) => Promise<void>;
}

const loadPush = lazy(() => import("../../evals/sema4-demo/push.js"));

export const pushRoutes: FastifyPluginAsync<PushRoutesOptions> = async (app, opts) => {
  if (opts.authorize) app.addHook("onRequest", opts.authorize);
  // Neither reads a body: 1 KiB lets `{}` through and refuses an upload before it is read.
  const bodyLimit = 1024;
  app.post("/push-dataset", { bodyLimit }, async () => (await loadPush()).pushSqlDataset(await opts.recorder(), opts.project));
  app.post("/push-prompt", { bodyLimit }, async () =>
    (await loadPush()).pushSystemPrompt(await opts.recorder(), opts.project, opts.model),
  );
};
