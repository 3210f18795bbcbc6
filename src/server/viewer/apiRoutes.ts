// The viewer's data API (/api/*): JSON for the pages, paged and bounded, read from the local store. Its queries and
// answers are the shared schemas of src/viewer/schemas.ts. Operator routes: Bearer token or a viewer session.
import type { FastifyRequest } from "fastify";
import type { ViewerReader } from "../../viewer/readModel/viewerReader.js";
import {
  compareQuerySchema,
  comparisonSchema,
  experimentDetailSchema,
  experimentListSchema,
  experimentParamsSchema,
  experimentsQuerySchema,
  logPageSchema,
  logsQuerySchema,
  spanDetailSchema,
  spanParamsSchema,
  taskPageSchema,
  tasksQuerySchema,
  traceParamsSchema,
  traceQuerySchema,
  traceSchema,
} from "../../viewer/schemas.js";
import type { ZodRoutes } from "../http/zodSchemas.js";

export interface ViewerApiOptions {
  /** The read model, built by the first request that reads it. */
  reader: () => Promise<ViewerReader>;
  authorize: (request: FastifyRequest) => Promise<void>;
}

export const viewerApiRoutes: ZodRoutes<ViewerApiOptions> = async (app, { reader, authorize }) => {
  app.addHook("onRequest", authorize);
  // The answers are the owner's data: no shared cache may keep them.
  app.addHook("onSend", async (_request, reply) => {
    reply.header("cache-control", "no-store");
  });

  app.get("/api/experiments", { schema: { querystring: experimentsQuerySchema, response: { 200: experimentListSchema } } }, async (request) =>
    (await reader()).listExperiments(request.query),
  );

  app.get(
    "/api/experiments/:id",
    { schema: { params: experimentParamsSchema, response: { 200: experimentDetailSchema } } },
    async (request) => (await reader()).experiment(request.params.id),
  );

  app.get(
    "/api/experiments/:id/tasks",
    { schema: { params: experimentParamsSchema, querystring: tasksQuerySchema, response: { 200: taskPageSchema } } },
    async (request) => (await reader()).tasks(request.params.id, request.query),
  );

  app.get(
    "/api/traces/:objectType/:objectId/:rootSpanId",
    { schema: { params: traceParamsSchema, querystring: traceQuerySchema, response: { 200: traceSchema } } },
    async (request) => (await reader()).trace(request.params, request.query),
  );

  app.get(
    "/api/traces/:objectType/:objectId/:rootSpanId/spans/:spanId",
    { schema: { params: spanParamsSchema, response: { 200: spanDetailSchema } } },
    async (request) => (await reader()).span(request.params),
  );

  app.get("/api/logs", { schema: { querystring: logsQuerySchema, response: { 200: logPageSchema } } }, async (request) =>
    (await reader()).logs(request.query),
  );

  app.get("/api/compare", { schema: { querystring: compareQuerySchema, response: { 200: comparisonSchema } } }, async (request) =>
    (await reader()).compare(request.query),
  );
};
