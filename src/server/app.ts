// buildApp: the whole service as a Fastify instance built from its dependencies. main.ts only listens;
// tests build it with fakes (a fake Braintrust API URL, a temporary DATA_DIR) and use inject() or a port.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Config } from "../config.js";
import { registerErrorHandler } from "./errorHandler.js";
import { healthRoutes } from "./health/routes.js";
import { createLogger, type Logger } from "../logger.js";

export interface AppDeps {
  logger?: Logger;
}

export interface AppState {
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
    disableRequestLogging: false,
    // A Playground eval may stream for many minutes; Node's default request timeout would cut it.
    requestTimeout: 0,
    bodyLimit: 1024 * 1024 * 1024,
    forceCloseConnections: "idle",
    return503OnClosing: true,
  });
  app.decorate("appState", { draining: false, shutdown: new AbortController(), logger });
  registerErrorHandler(app, { production: config.NODE_ENV === "production" });

  await app.register(healthRoutes, {
    isDraining: () => app.appState.draining,
    readiness: () => ({}),
  });
  return app;
}
