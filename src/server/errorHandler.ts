// Where errors become HTTP answers. Whatever a route group throws is made an AppError, logged, rendered in the
// group's error shape and redacted. The service's shape is {"error":{code,message,status,details?}}, set on the root
// instance; a route group that speaks another protocol (the Braintrust dev server) sets its own handler with its
// own shape, and Fastify's encapsulation keeps each to its routes.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";
import { AppError, isAppError } from "../errors.js";
import type { SecretRedactor } from "../lib/secretRedactor.js";
import { unsupportedMediaType } from "./http/mediaTypes.js";

/** A route group's error body for an AppError (the request for messages that depend on what was sent). */
type ErrorShape = (err: AppError, request: FastifyRequest) => unknown;

/** The service's error body. */
export function serviceErrorBody(err: AppError): { error: { code: string; message: string; status: number; details?: unknown } } {
  return {
    error: {
      code: err.code,
      message: err.message,
      status: err.statusCode,
      ...(err.details === undefined ? {} : { details: err.details }),
    },
  };
}

/** Turns whatever was thrown into an AppError, keeping Fastify's own 4xx (body parsing, limits) as such. */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof ZodError) {
    // A request that fails its schema. The message names each field and what is wrong with it; `details` keeps
    // zod's issues for programs, and `cause` the error itself for a group that renders issues its own way.
    const reasons = err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message));
    return new AppError("VALIDATION_FAILED", `Invalid request: ${reasons.join("; ")}`, { details: err.issues, cause: err });
  }
  const fe = err as FastifyError;
  const status = typeof fe?.statusCode === "number" ? fe.statusCode : 500;
  if (status === 413) return new AppError("PAYLOAD_TOO_LARGE", fe.message);
  if (status === 415) return new AppError("UNSUPPORTED_MEDIA_TYPE", fe.message);
  if (status === 429) return new AppError("RATE_LIMITED", fe.message);
  if (status >= 400 && status < 500) return new AppError("BAD_REQUEST", fe.message);
  return new AppError("INTERNAL", "Internal server error", { cause: err });
}

export interface ErrorHandlerOptions {
  production: boolean;
  /** Every error body leaves through it: an upstream's message may quote a key. */
  redactor: SecretRedactor;
  shape: ErrorShape;
}

/** A Fastify error handler that answers in `shape`. */
export function errorHandler({ production, redactor, shape }: ErrorHandlerOptions) {
  return (err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    let appError = toAppError(err);
    if ((err as FastifyError)?.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") appError = unsupportedMediaType(request);
    if (appError.statusCode >= 500) {
      request.log.error({ err }, "request failed");
    } else {
      request.log.info({ code: appError.code, error: appError.message }, "request rejected");
    }
    // Internal errors never show their cause in production; outside it the message helps a developer.
    if (production && appError.code === "INTERNAL") {
      appError = new AppError("INTERNAL", "Internal server error", { details: appError.details });
    }
    if (appError.retryAfter !== undefined) reply.header("retry-after", String(appError.retryAfter));
    return reply.status(appError.statusCode).send(redactor.value(shape(appError, request)));
  };
}

/** The service's error shape for every route of `app` whose group sets none of its own. */
export function registerErrorHandler(app: FastifyInstance, options: Omit<ErrorHandlerOptions, "shape">): void {
  app.setErrorHandler(errorHandler({ ...options, shape: serviceErrorBody }));
}
