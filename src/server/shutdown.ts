import type { FastifyInstance } from "fastify";

const CANCEL_WINDOW_MS = 2_000;

/**
 * Stops accepting connections, lets in-flight requests (streaming evals included) finish for up to
 * `graceMs`, then aborts what is left through the app's shutdown signal and closes.
 */
export async function drainAndClose(app: FastifyInstance, graceMs: number): Promise<void> {
  app.appState.draining = true;
  const timer = setTimeout(() => app.appState.shutdown.abort(new Error("server shutting down")), graceMs);
  timer.unref();
  // Cancelled work gets a moment to say so (an eval's error and done events); a connection still open after
  // that, such as an upload that stalled mid-body, is cut so that shutdown stays bounded.
  const cutoff = setTimeout(() => app.server.closeAllConnections(), graceMs + CANCEL_WINDOW_MS);
  cutoff.unref();
  // Connections that finish their last response during the drain would otherwise stay open until their
  // keep-alive timeout.
  const sweeper = setInterval(() => app.server.closeIdleConnections(), 50);
  sweeper.unref();
  try {
    // The server was opened by main.ts (not app.listen), so closing it is ours: no new connections, and this
    // resolves once the open ones (running evals) have ended.
    if (app.server.listening) await new Promise((resolve) => app.server.close(resolve));
    await app.close();
  } finally {
    clearTimeout(timer);
    clearTimeout(cutoff);
    clearInterval(sweeper);
    app.appState.logger.flush();
  }
}
