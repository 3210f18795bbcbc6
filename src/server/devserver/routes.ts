// The Braintrust remote-eval (dev-server) protocol: GET /, GET|POST /list, POST /eval.
import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ExperimentSummary } from "braintrust";
import { AppError } from "../../errors.js";
import type { SecretRedactor } from "../../lib/secretRedactor.js";
import type { BraintrustSessions } from "../../braintrust/sessions.js";
import { sdkModule } from "../../braintrust/sdk.js";
import type { EvaluatorRegistry } from "../../evals/runtime/registry.js";
import { serializeParameters, validateParameters } from "../../evals/runtime/parameters.js";
import type { RemoteEvalListener } from "../../evals/runtime/remoteEval.js";
import type { CaseStarted } from "../../evals/runtime/runner.js";
import { TimeBudget } from "../../evals/runtime/timeBudget.js";
import { makeCheckAuthorized, parseTokenHook } from "./authorize.js";
import { evalBodySchema } from "./schemas.js";
import { braintrustErrorBody, evalFailure } from "./errors.js";
import { errorHandler } from "../errorHandler.js";
import { openSse } from "../http/sse.js";
import { requestScope } from "../http/requestScope.js";
import { perMinute } from "../plugins/rateLimit.js";
import type { ZodRoutes } from "../http/zodSchemas.js";

export interface DevServerOptions {
  registry: EvaluatorRegistry;
  sessions: BraintrustSessions;
  /** DEV_ORG_NAME: only callers of this org may list or run evaluators. */
  allowedOrg?: string;
  heartbeatMs: number;
  defaultConcurrency: number;
  caseTimeoutMs: number;
  /** EVAL_TIME_BUDGET_MS: one /eval's time from its arrival, if limited. */
  timeBudgetMs?: number;
  maxConcurrentEvals: number;
  /** One caller's share of maxConcurrentEvals (MAX_CONCURRENT_EVALS_PER_CALLER). */
  maxConcurrentEvalsPerCaller: number;
  /** Aborted when the service gives up draining at shutdown. */
  shutdownSignal: AbortSignal;
  /** /eval requests per minute per caller. */
  evalsPerMinute: number;
  /** Largest /eval body in bytes (EVAL_BODY_LIMIT). */
  evalBodyLimit: number;
  /** The service's redactor; each run adds its caller's token. */
  redactor: SecretRedactor;
  /** NODE_ENV is production: internal errors say no more than that. */
  production: boolean;
}

/** The /list body, built once: the registry does not change after start-up. */
async function listBody(registry: EvaluatorRegistry): Promise<string> {
  const defs: Record<string, unknown> = {};
  for (const { name, listing } of registry.list()) {
    const parameters = await serializeParameters(listing.parameters);
    defs[name] = {
      ...(parameters ? { parameters } : {}),
      scores: listing.scores.map((score) => ({ name: score })),
      classifiers: listing.classifiers.map((classifier) => ({ name: classifier })),
    };
  }
  return JSON.stringify(defs);
}

/** What runs an eval, loaded with the braintrust SDK by the first /eval: GET /list needs neither. */
const loadRemoteEval = sdkModule(() => import("../../evals/runtime/remoteEval.js"));

export const devServerRoutes: ZodRoutes<DevServerOptions> = async (app, opts) => {
  const checkAuthorized = makeCheckAuthorized(opts.sessions, opts.allowedOrg);
  const list = await listBody(opts.registry);
  const listEtag = `W/"${createHash("sha1").update(list).digest("base64url")}"`;
  let runningEvals = 0;
  const runningByCaller = new Map<string, number>();

  // Encapsulated: the protocol's error shapes on these routes only.
  app.setErrorHandler(errorHandler({ production: opts.production, redactor: opts.redactor, shape: braintrustErrorBody }));
  // The caller is checked before the body's schema (preValidation), as `braintrust eval --dev` does.
  app.addHook("preValidation", parseTokenHook);
  // Like `braintrust eval --dev` (Express's json parser skips other types), a body that is not JSON reaches /eval as
  // no body, so the caller gets the same 400 "Invalid request" a missing body gets, not a 415
  // (docs/devserver-protocol.md §8.1).
  // Such a body is thrown away, so there is no reason to read more than a little of it (413 beyond).
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 64 * 1024 }, (_request, _body, done) =>
    done(null, undefined),
  );

  app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send("Hello, world!"));

  const serveList = async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header("etag", listEtag);
    if (request.headers["if-none-match"] === listEtag) return reply.status(304).send();
    return reply.type("application/json; charset=utf-8").send(list);
  };
  app.get("/list", { preValidation: checkAuthorized }, serveList);
  app.post("/list", { preValidation: checkAuthorized }, serveList);

  const callerChecks = [checkAuthorized, perMinute(app, opts.evalsPerMinute)];
  app.post("/eval", { bodyLimit: opts.evalBodyLimit, preValidation: callerChecks, schema: { body: evalBodySchema } }, async (request, reply) => {
    const { body } = request;
    const { runRemoteEval, assertExportedSpan } = await loadRemoteEval();
    assertExportedSpan(body.parent ?? undefined);
    const entry = await opts.registry.get(body.name);
    if (!entry) {
      const served = opts.registry.list().map((e) => `'${e.name}'`);
      const instead = served.length > 0 ? `send "name" as one of ${served.join(", ")} (GET /list describes them)` : "this service serves no evaluators";
      throw new AppError("EVALUATOR_NOT_FOUND", `Evaluator '${body.name}' not found; ${instead}`);
    }
    const parameters = await validateParameters(body.parameters, entry.evaluator.parameters);
    if (runningEvals >= opts.maxConcurrentEvals) {
      throw new AppError("BUSY", `Too many evals running (${runningEvals}); try again shortly`, { retryAfter: 5 });
    }
    const caller = request.caller!;
    const callerRunning = runningByCaller.get(caller.id) ?? 0;
    if (callerRunning >= opts.maxConcurrentEvalsPerCaller) {
      throw new AppError(
        "BUSY",
        `You have ${callerRunning} evals running, the most one caller may (MAX_CONCURRENT_EVALS_PER_CALLER); try again when one ends`,
        { retryAfter: 5 },
      );
    }
    const redactor = opts.redactor.with([caller.token]);
    const evalRequest = {
      entry,
      parameters,
      data: body.data,
      scorers: body.scores ?? [],
      experimentName: body.experiment_name ?? undefined,
      projectId: body.project_id ?? undefined,
      parent: body.parent ?? undefined,
    };
    const progress = (fields: Record<string, unknown>, started: CaseStarted) =>
      JSON.stringify({
        ...fields,
        id: started.id,
        ...(started.origin ? { origin: started.origin } : {}),
        name: entry.name,
        object_type: "task",
      });

    runningEvals++;
    runningByCaller.set(caller.id, callerRunning + 1);
    request.log.info({ evaluator: entry.name, stream: body.stream === true }, "starting eval");
    const run = requestScope(reply, opts.shutdownSignal);
    // The platform's clock started when the request arrived: its login and body are part of the budget.
    const budget = opts.timeBudgetMs === undefined ? undefined : new TimeBudget({ totalMs: opts.timeBudgetMs, spentMs: reply.elapsedTime });
    const runOptions = {
      signal: run.signal,
      defaultConcurrency: opts.defaultConcurrency,
      caseTimeoutMs: opts.caseTimeoutMs,
      budget,
      redactor,
    };
    try {
      if (body.stream) {
        const sse = openSse(reply, { heartbeatMs: opts.heartbeatMs, redactor });
        const listener: RemoteEvalListener = {
          onStart: (summary) => sse.send("start", JSON.stringify(summary)),
          onTaskProgress: (event, started) => sse.send("progress", progress({ ...event }, started)),
          onCaseFinished: (result) =>
            sse.send(
              "progress",
              result.error === undefined
                ? progress(
                    { format: "code", output_type: "completion", event: "json_delta", data: JSON.stringify(result.output) },
                    result,
                  )
                : progress({ format: "code", output_type: "completion", event: "error", data: result.error }, result),
            ),
        };
        try {
          const summary = await runRemoteEval(caller, evalRequest, listener, runOptions);
          sse.send("summary", JSON.stringify(summary));
        } catch (e) {
          if (!sse.closed) request.log.warn({ err: e }, "eval failed");
          sse.sendError(evalFailure(e));
        }
        sse.send("done", "");
        sse.end();
        return reply;
      }

      let summary: ExperimentSummary;
      try {
        summary = await runRemoteEval(caller, evalRequest, {}, runOptions);
      } catch (e) {
        if (e instanceof AppError) throw e;
        request.log.warn({ err: e }, "eval failed");
        return reply.status(500).send({ error: redactor.value(evalFailure(e)) });
      }
      return reply.send(summary);
    } finally {
      budget?.dispose();
      run.dispose();
      runningEvals--;
      const left = (runningByCaller.get(caller.id) ?? 1) - 1;
      if (left > 0) runningByCaller.set(caller.id, left);
      else runningByCaller.delete(caller.id);
    }
  });
};
