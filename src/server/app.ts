// buildApp: the whole service as a Fastify instance built from its dependencies. main.ts only listens;
// tests build it with fakes (a fake Braintrust API URL, a temporary DATA_DIR) and use inject() or a port.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Config } from "../config.js";
import { AppError } from "../errors.js";
import { registerErrorHandler } from "./errorHandler.js";
import { registerJsonBodyParser } from "./jsonBody.js";
import { serializerCompiler, validatorCompiler } from "./http/zodSchemas.js";
import { healthRoutes } from "./health/routes.js";
import { createLogger, type Logger } from "../logger.js";
import { Services, type ServiceParts } from "../services.js";
import { corsPlugin } from "./devserver/cors.js";
import { devServerRoutes } from "./devserver/routes.js";
import { rateLimitPlugin } from "./plugins/rateLimit.js";
import { experimentRoutes } from "./experiments/routes.js";
import { ingestRoutes } from "./admin/ingestRoutes.js";
import { ingestLimits } from "../ingest/read/ingestLimits.js";
import { spoolDirOf } from "../ingest/read/spoolFiles.js";
import { makeOperatorAuth, makeOperatorCheck } from "./auth/operatorAuth.js";
import { ViewerSessions } from "./auth/viewerSessions.js";
import { viewerApiRoutes } from "./viewer/apiRoutes.js";
import { pageRoutes } from "./viewer/pageRoutes.js";
import { agentRoutes } from "./agent/routes.js";
import { pushRoutes } from "./admin/pushRoutes.js";

export interface AppDeps extends ServiceParts {
  /** A server that is already listening (main.ts opens the port before building the app). */
  serverFactory?: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  /** The viewer's built pages; by default dist/web of this package. */
  webDir?: string;
}

/** dist/web beside src/ or dist/ (this file is src/server/app.ts, or dist/server/app.js once built). */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../dist/web", import.meta.url));

interface AppState {
  draining: boolean;
  /** Aborted when shutdown gives up waiting: in-flight work stops. */
  shutdown: AbortController;
  logger: Logger;
}

declare module "fastify" {
  interface FastifyInstance {
    appState: AppState;
  }
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const logger = deps.logger ?? createLogger(config);
  const app = Fastify({
    // pino 10 is ours; Fastify types its logger against the pino it bundles. Same runtime API.
    loggerInstance: logger as unknown as FastifyBaseLogger,
    requestIdHeader: "x-request-id",
    // A long upload may take more than Node's default request timeout. Fastify applies this only to a server it
    // creates (tests' app.listen); main.ts's early listener sets it on its own server.
    requestTimeout: 0,
    // Small unless a route says otherwise (/eval: EVAL_BODY_LIMIT, /admin/ingest: INGEST_BODY_LIMIT), unknown paths too.
    bodyLimit: 1024 * 1024,
    forceCloseConnections: "idle",
    return503OnClosing: true,
    ...(deps.serverFactory ? { serverFactory: deps.serverFactory } : {}),
  });
  app.decorate("appState", { draining: false, shutdown: new AbortController(), logger });
  const services = new Services(config, { ...deps, logger });
  app.addHook("onClose", async () => services.close());
  const { redactor } = services;
  registerErrorHandler(app, { production: config.NODE_ENV === "production", redactor });
  registerJsonBodyParser(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setNotFoundHandler((request) => {
    throw new AppError("NOT_FOUND", `Cannot ${request.method} ${request.url.split("?")[0]}`);
  });
  await app.register(corsPlugin, { extraOrigins: [config.BRAINTRUST_APP_URL, config.WHITELISTED_ORIGIN] });
  await app.register(rateLimitPlugin);

  const registry = await services.registry();
  app.log.info({ evaluators: registry.list().map((e) => e.name) }, "evaluators loaded");
  const sessions = services.sessions();
  await app.register(devServerRoutes, {
    registry,
    sessions,
    allowedOrg: config.DEV_ORG_NAME,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    defaultConcurrency: config.EVAL_DEFAULT_CONCURRENCY,
    caseTimeoutMs: config.EVAL_CASE_TIMEOUT_MS,
    timeBudgetMs: config.EVAL_TIME_BUDGET_MS,
    maxConcurrentEvals: config.MAX_CONCURRENT_EVALS,
    maxConcurrentEvalsPerCaller: config.MAX_CONCURRENT_EVALS_PER_CALLER,
    shutdownSignal: app.appState.shutdown.signal,
    evalsPerMinute: config.RATE_LIMIT_EVAL_PER_MINUTE,
    evalBodyLimit: config.EVAL_BODY_LIMIT,
    redactor,
    production: config.NODE_ENV === "production",
  });

  const operatorOptions = {
    adminToken: config.ADMIN_TOKEN,
    orgName: config.BRAINTRUST_ORG_NAME,
    publicHostnames: config.PUBLIC_HOSTNAMES,
    sessions,
  };
  const operatorAuth = makeOperatorAuth(operatorOptions);
  // The viewer's pages, its data API and /experiments also take a signed-in browser's session cookie.
  const viewerSessions = new ViewerSessions(config.VIEWER_SESSION_TTL_MS);
  const viewerAuth = makeOperatorAuth({ ...operatorOptions, viewerSessions });
  // Built by the first request that needs them: GET /list needs neither the recorder nor the agent.
  const recorder = () => services.recorder();
  const agentRuntime = () => services.agentRuntime();
  await app.register(experimentRoutes, { store: () => services.experimentReader(), authorize: viewerAuth });
  await app.register(viewerApiRoutes, { reader: () => services.viewerReader(), authorize: viewerAuth });
  await app.register(pageRoutes, {
    webDir: deps.webDir ?? DEFAULT_WEB_DIR,
    check: makeOperatorCheck({ ...operatorOptions, viewerSessions }),
    sessions: viewerSessions,
    orgName: config.BRAINTRUST_ORG_NAME,
    signInsPerMinute: config.LOGIN_ATTEMPTS_PER_MINUTE,
  });
  await app.register(ingestRoutes, {
    prefix: "/admin",
    recorder,
    redactor,
    project: config.BRAINTRUST_PROJECT,
    bodyLimit: config.INGEST_BODY_LIMIT,
    limits: ingestLimits(config),
    spoolDir: spoolDirOf(config.DATA_DIR),
    authorize: operatorAuth,
    shutdownSignal: app.appState.shutdown.signal,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
  });

  await app.register(agentRoutes, {
    runtime: agentRuntime,
    recorder,
    project: config.BRAINTRUST_PROJECT,
    authorize: operatorAuth,
    requestsPerMinute: config.RATE_LIMIT_AGENT_PER_MINUTE,
    shutdownSignal: app.appState.shutdown.signal,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
  });
  await app.register(pushRoutes, { prefix: "/admin", recorder, project: config.BRAINTRUST_PROJECT, model: config.AGENT_MODEL, authorize: operatorAuth });

  await app.register(healthRoutes, {
    isDraining: () => app.appState.draining,
    // Ready means every route can serve: the agent's sandbox is probed here if no request has needed it yet.
    readiness: async () => {
      const runtime = await agentRuntime();
      return {
        evaluators: registry.list().map((e) => e.name),
        recorder: services.recorderKind,
        sandbox: { mode: runtime.sandboxFactory.mode, reason: runtime.sandboxFactory.reason },
        model: runtime.modelAccess ? "configured" : "none (set OPENAI_API_KEY, OPENAI_BASE_URL or BRAINTRUST_API_KEY)",
      };
    },
  });
  return app;
}
