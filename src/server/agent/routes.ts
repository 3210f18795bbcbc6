// POST /agent: one question to the SQL agent. JSON in, JSON out; with `Accept: text/event-stream` each step is an
// SSE `step` event as it happens, then `result` (or `error`). A client that goes away cancels the run.
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AgentRuntime } from "../../agent/runtime.js";
import { lazy } from "../../lib/lazy.js";
import type { Recorder } from "../../recorder/types.js";
import { openSse } from "../http/sse.js";
import { serviceErrorBody, toAppError } from "../errorHandler.js";
import { perMinute } from "../plugins/rateLimit.js";
import { requestScope } from "../http/requestScope.js";
import type { ZodRoutes } from "../http/zodSchemas.js";

export interface AgentRoutesOptions {
  /** Built by the first request that needs it (its sandbox probe, its database). */
  runtime: () => Promise<AgentRuntime>;
  recorder: () => Promise<Recorder>;
  project: string;
  authorize?: (request: FastifyRequest) => Promise<void>;
  requestsPerMinute: number;
  shutdownSignal?: AbortSignal;
  heartbeatMs: number;
}

const bodySchema = z
  .object(
    {
      question: z.string().trim().min(1, "question is empty").max(4_000).optional(),
      task_id: z.string().min(1).optional(),
      model: z.string().trim().min(1, "model is empty").max(200).optional(),
      max_retries: z.number().int().min(0).max(10).optional(),
    },
    { error: (issue) => (issue.input === null ? 'send a JSON body: {"question": "…"}' : undefined) },
  )
  .strict()
  .refine((b) => b.question !== undefined || b.task_id !== undefined, { message: "give a question (or a task_id)" });

const loadAsk = lazy(() => import("../../agent/ask.js"));

export const agentRoutes: ZodRoutes<AgentRoutesOptions> = async (app, opts) => {
  if (opts.authorize) app.addHook("onRequest", opts.authorize);

  // A question of at most 4 000 characters and three small fields: 64 KiB is plenty.
  // The limit is a route hook, so it runs after the authorization above and before the body is read.
  app.post("/agent", { onRequest: perMinute(app, opts.requestsPerMinute), bodyLimit: 64 * 1024, schema: { body: bodySchema } }, async (request, reply) => {
    const { body } = request;
    const [{ askSqlAgent, prepareAsk }, runtime, recorder] = await Promise.all([loadAsk(), opts.runtime(), opts.recorder()]);
    const run = requestScope(reply, opts.shutdownSignal);
    const where = { recorder, project: opts.project };
    try {
      if (!(request.headers.accept ?? "").includes("text/event-stream")) {
        return await askSqlAgent(runtime, where, body, { signal: run.signal });
      }
      // Problems of the request itself are plain HTTP errors, answered before the stream opens.
      prepareAsk(runtime, body);
      const sse = openSse(reply, { heartbeatMs: opts.heartbeatMs, redactor: runtime.redactor });
      try {
        const result = await askSqlAgent(runtime, where, body, {
          signal: run.signal,
          onStep: (step) => sse.send("step", JSON.stringify(step)),
        });
        sse.send("result", JSON.stringify(result));
      } catch (e) {
        sse.sendError(serviceErrorBody(toAppError(e)).error);
      } finally {
        sse.end();
      }
    } finally {
      run.dispose();
      recorder.flush().catch((err) => request.log.warn({ err }, "recorder flush failed"));
    }
  });
};
