import type { FastifyInstance } from "fastify";

/**
 * Stops accepting connections, lets in-flight requests (streaming evals included) finish for up to
 * `graceMs`, then aborts what is left through the app's shutdown signal and closes.
 */
export async function drainAndClose(app: FastifyInstance, graceMs: number): Promise<void> {
  app.appState.draining = true;
  const timer = setTimeout(() => app.appState.shutdown.abort(new Error("server shutting down")), graceMs);
  timer.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
    app.appState.logger.flush();
  }
}
