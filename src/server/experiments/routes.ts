// Experiments recorded locally: GET /experiments (with summary scores and metrics), GET /experiments/:id (rows, paged).
// The owner's data: operator routes, behind the same authorization as /admin/*.
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError } from "../../errors.js";
import type { ExperimentReader } from "../../recorder/localStore.js";
import type { ZodRoutes } from "../http/zodSchemas.js";

export interface ExperimentRoutesOptions {
  /** The local store, opened by the first request that reads it. */
  store: () => Promise<ExperimentReader>;
  /** Operator auth, before anything is read. */
  authorize?: (request: FastifyRequest) => Promise<void>;
}

const paramsSchema = z.object({ id: z.string().min(1) });
const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const experimentRoutes: ZodRoutes<ExperimentRoutesOptions> = async (app, { store, authorize }) => {
  if (authorize) app.addHook("onRequest", authorize);
  app.get("/experiments", async () => ({ experiments: (await store()).listExperiments() }));

  app.get("/experiments/:id", { schema: { params: paramsSchema, querystring: pageSchema } }, async (request) => {
    const { id } = request.params;
    const found = (await store()).getExperiment(id, request.query);
    if (!found) throw new AppError("NOT_FOUND", `Experiment ${id} not found`);
    return found;
  });
};
