import type { FastifyPluginAsync } from "fastify";

export interface HealthOptions {
  /** Facts about the running service that /readyz reports (sandbox mode, recorder, evaluators). */
  readiness: () => Promise<Record<string, unknown>>;
  isDraining: () => boolean;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, opts) => {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    if (opts.isDraining()) return reply.status(503).send({ status: "draining" });
    return { status: "ready", ...(await opts.readiness()) };
  });
};
