// POST /admin/ingest: tau-bench / tau2-bench results files in, a dataset and experiments out. The body is never
// buffered: this plugin's own content-type parsers hand the raw stream on (JSON or gzip), or @fastify/multipart
// hands each file part on, and the ingest job spools and validates it as it arrives.
import type { Readable } from "node:stream";
import multipart from "@fastify/multipart";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { AppError, messageOf } from "../../errors.js";
import type { IngestLimits } from "../../ingest/read/ingestLimits.js";
import { REQUEST_BODY } from "../../ingest/compute/naming.js";
import type { IngestJob, IngestProgress, IngestReport } from "../../ingest/ingestJob.js";
import { sweepSpool } from "../../ingest/read/spoolFiles.js";
import { byteLimit } from "../../lib/byteLimit.js";
import { lazy } from "../../lib/lazy.js";
import { roundFloats } from "../../lib/roundFloats.js";
import type { SecretRedactor } from "../../lib/secretRedactor.js";
import type { BootstrapOptions } from "../../metrics/bootstrap.js";
import type { Recorder } from "../../recorder/types.js";
import { openSse } from "../http/sse.js";
import { requestScope } from "../http/requestScope.js";
import type { ZodRoutes } from "../http/zodSchemas.js";
import { serviceErrorBody, toAppError } from "../errorHandler.js";

export interface IngestRoutesOptions {
  /** Built by the first request that needs it. */
  recorder: () => Promise<Recorder>;
  /** For error events: a Braintrust failure must not carry the service's key to the caller. */
  redactor: SecretRedactor;
  /** The project when the request names none (BRAINTRUST_PROJECT). */
  project: string;
  /** Bytes accepted per request (INGEST_BODY_LIMIT), as sent. */
  bodyLimit: number;
  /** Decompressed sizes, and the budgets the ingests of this app share. */
  limits: IngestLimits;
  /** Where uploads wait between the validation and the write pass (DATA_DIR/ingest-spool). */
  spoolDir: string;
  /** Runs before the body is read (operator auth). */
  authorize?: (request: FastifyRequest) => Promise<void>;
  /** Aborts ingests in flight when the server gives up draining. */
  shutdownSignal?: AbortSignal;
  heartbeatMs: number;
  bootstrap?: BootstrapOptions;
}

const STREAMED_TYPES = ["application/json", "application/gzip", "application/x-gzip", "application/octet-stream"];

const namesSchema = z.object({
  experiment: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  dataset: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  /** The file name to report and name the experiment after, for a raw body. */
  filename: z.string().min(1).optional(),
});
type Names = z.infer<typeof namesSchema>;

const loadIngest = lazy(() => import("../../ingest/ingestJob.js"));

export const ingestRoutes: ZodRoutes<IngestRoutesOptions> = async (app, opts) => {
  // Encapsulated: only this plugin's routes get the raw body stream instead of a parsed one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(STREAMED_TYPES, (_request, payload, done) => done(null, payload));
  await app.register(multipart, { limits: { fileSize: opts.bodyLimit, files: 100, fields: 100, parts: 200 } });
  if (opts.authorize) app.addHook("onRequest", opts.authorize);

  const left = await sweepSpool(opts.spoolDir);
  if (left.length > 0) app.log.warn({ files: left.length }, "removed the spool files of stopped processes");
  // A request cut off at shutdown may not reach its own clean-up before the process exits; closing does it.
  const jobs = new Set<IngestJob>();
  app.addHook("onClose", async () => {
    await Promise.all([...jobs].map((job) => job.dispose()));
  });

  app.post("/ingest", { bodyLimit: opts.bodyLimit, schema: { response: { 200: responseSchema } } }, async (request, reply) => {
    const declared = Number(request.headers["content-length"]);
    if (declared > opts.bodyLimit) {
      throw new AppError("PAYLOAD_TOO_LARGE", `The body (${declared} bytes) is over the limit of ${opts.bodyLimit} bytes`);
    }
    // Refused before the body was read to its end: the rest is drained (what Node does with a body nobody read),
    // or the client's next request on this keep-alive connection would wait behind it forever.
    reply.raw.once("finish", () => {
      if (!request.raw.complete) request.raw.resume();
    });
    const query = parseNames(request.query);
    const [{ IngestJob }, recorder] = await Promise.all([loadIngest(), opts.recorder()]);
    const settings = { recorder, project: opts.project, spoolDir: opts.spoolDir, limits: opts.limits, bootstrap: opts.bootstrap };
    const wantsEvents = (request.headers.accept ?? "").includes("text/event-stream");
    const run = requestScope(reply, opts.shutdownSignal);
    const sse = wantsEvents ? openSse(reply, { heartbeatMs: opts.heartbeatMs, redactor: opts.redactor }) : undefined;
    const onProgress = sse ? (p: IngestProgress) => sse.send("progress", JSON.stringify(p)) : undefined;
    const job = new IngestJob(settings, { signal: run.signal, onProgress });
    jobs.add(job);
    try {
      const names = request.isMultipart()
        ? await readParts(request, job, query, opts.bodyLimit)
        : await readBody(request, job, query, opts.bodyLimit);
      // A client that goes away while its files are still being read cancels the ingest; once writing has begun,
      // the write completes so that the store is not left half-written.
      run.keepOnDisconnect();
      const report = roundFloats(await job.commit({
        experiments: names.experiment === undefined ? [] : [names.experiment].flat(),
        dataset: names.dataset,
        project: names.project,
      }));
      if (!sse) return report;
      sse.send("result", JSON.stringify(responseSchema.parse(report)));
    } catch (error) {
      if (!sse) throw error;
      const appError = toAppError(error);
      request.log.info({ code: appError.code, error: appError.message }, "ingest failed");
      sse.sendError(serviceErrorBody(appError));
    } finally {
      run.dispose();
      await job.dispose();
      jobs.delete(job);
      sse?.end();
    }
    return reply;
  });
};

/**
 * The names come from the query or, in a multipart upload, from form fields read mid-body, so they are checked
 * here rather than by a route schema: both sources fail alike.
 */
function parseNames(raw: unknown): Names {
  const parsed = namesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", "Invalid ingest parameters", { details: parsed.error.issues });
  }
  return parsed.data;
}

/** A single file as the body (plain or gzip JSON). */
async function readBody(request: FastifyRequest, job: IngestJob, names: Names, limit: number): Promise<Names> {
  const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (!STREAMED_TYPES.includes(type)) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Send the results file as application/json (or gzip), or several as multipart/form-data, not "${type || "nothing"}"`,
    );
  }
  // Not destroyed when the ingest stops reading early: the socket must still carry the answer (see the drain above).
  const body = (request.body as Readable).iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  const limited = byteLimit(limit, () => new AppError("PAYLOAD_TOO_LARGE", `The body is over the limit of ${limit} bytes`));
  // Without filename= the body has no name of its own; a plain JSON body's Content-Length gives progress its total.
  const declared = Number(request.headers["content-length"]);
  const size = type === "application/json" && Number.isSafeInteger(declared) ? declared : null;
  await job.addStream(names.filename ?? REQUEST_BODY, limited(body), undefined, size);
  return names;
}

/** Every file part is ingested as it arrives; fields name the experiments, dataset and project. */
async function readParts(request: FastifyRequest, job: IngestJob, query: Names, limit: number): Promise<Names> {
  const fields: Record<string, string[]> = {};
  const limited = byteLimit(limit, () => new AppError("PAYLOAD_TOO_LARGE", `The files are over the limit of ${limit} bytes`));
  let files = 0;
  for await (const part of multipartStream(request.parts())) {
    if (part.type === "field") {
      (fields[part.fieldname] ??= []).push(String(part.value));
      continue;
    }
    files++;
    try {
      await job.addStream(part.filename || part.fieldname, limited(multipartStream(part.file)));
    } catch (error) {
      throw part.file.truncated ? tooLarge(part.filename, limit) : error;
    }
    if (part.file.truncated) throw tooLarge(part.filename, limit);
  }
  if (files === 0) throw new AppError("BAD_REQUEST", "The multipart body has no file part");
  const single = (name: string) => fields[name]?.at(-1);
  return parseNames({
    experiment: fields.experiment ?? query.experiment,
    dataset: single("dataset") ?? query.dataset,
    project: single("project") ?? query.project,
  });
}

/** A multipart iterator or file stream: what busboy cannot read (no boundary, a cut-off part) is the client's 400. */
async function* multipartStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const item of stream) yield item;
  } catch (error) {
    if (toAppError(error).statusCode < 500) throw error;
    throw new AppError("BAD_REQUEST", `Malformed multipart body: ${messageOf(error)}`);
  }
}

function tooLarge(file: string, limit: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `${file}: over the limit of ${limit} bytes`);
}

const interval = z.tuple([z.number(), z.number()]);
const runMetrics = z.object({
  avg_reward: z.number().nullable(),
  pass_hat_k: z.record(z.string(), z.number()),
  max_k: z.number().int(),
  ci: z.object({
    confidence: z.number(),
    iterations: z.number().int(),
    seed: z.number().int(),
    avg_reward: interval.nullable(),
    pass_hat_k: z.record(z.string(), interval),
  }),
  cost: z.object({
    avg_agent_cost: z.number().nullable(),
    total_agent_cost: z.number().nullable(),
    avg_user_cost: z.number().nullable(),
  }),
  duration: z.object({ avg_seconds: z.number().nullable(), total_seconds: z.number().nullable() }),
  turns: z.object({ avg: z.number().nullable() }),
  terminations: z.record(z.string(), z.number().int()),
  evaluated: z.number().int(),
  infrastructure_errors: z.number().int(),
  rule: z.string(),
});
const dataset = z.object({ name: z.string(), rows: z.number().int(), new_rows: z.number().int() });
const taskChange = z.object({ task_id: z.string(), baseline: z.number(), candidate: z.number() });

/** The response, checked at the edge: what the README documents. */
const responseSchema = z.object({
  dataset: dataset.nullable(),
  datasets: z.array(dataset),
  experiments: z.array(
    z.object({
      name: z.string(),
      file: z.string(),
      format: z.string(),
      dataset: z.string(),
      domain: z.string(),
      model: z.string().nullable(),
      reasoning_effort: z.string().nullable(),
      user_model: z.string().nullable(),
      tasks: z.number().int(),
      simulations: z.number().int(),
      new_rows: z.number().int(),
      metrics: runMetrics,
      url: z.string().optional(),
      id: z.string(),
      viewer_url: z.string().optional(),
    }),
  ),
  comparisons: z.array(
    z.object({
      baseline: z.string(),
      candidate: z.string(),
      shared_tasks: z.number().int(),
      only_baseline: z.number().int(),
      only_candidate: z.number().int(),
      statistics: z.record(
        z.string(),
        z.object({
          baseline: z.number(),
          candidate: z.number(),
          difference: z.number(),
          ci: interval.nullable(),
          significant: z.boolean(),
        }),
      ),
      improved: z.array(taskChange),
      regressed: z.array(taskChange),
    }),
  ),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<IngestReport>;
