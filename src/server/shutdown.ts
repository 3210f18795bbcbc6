import type { FastifyInstance } from "fastify";

/**
 * Stops accepting connections, lets in-flight requests (streaming evals included) finish for up to
 * `graceMs`, then aborts what is left through the app's shutdown signal and closes.
 */
export async function drainAndClose(app: FastifyInstance, graceMs: number): Promise<void> {
  app.appState.draining = true;
  const timer = setTimeout(() => app.appState.shutdown.abort(new Error("server shutting down")), graceMs);
  timer.unref();
  // close() drops the connections idle at that moment only; one that finishes its last response later would
  // otherwise hold shutdown open until its keep-alive timeout.
  const sweeper = setInterval(() => app.server.closeIdleConnections(), 50);
  sweeper.unref();
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
    clearInterval(sweeper);
    app.appState.logger.flush();
  }
}
